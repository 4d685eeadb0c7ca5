"""GOV.UK widgets the question pages need beyond govuk-frontend-wtf's."""

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput


class ExclusiveCheckboxesInput(GovCheckboxesInput):
    """Checkboxes whose last-resort option ("search everything") stands apart behind an "or"
    divider and, with JavaScript, clears the others when chosen (GOV.UK `behaviour:
    "exclusive"`). The server still checks it is not chosen beside them."""

    def __init__(self, exclusive: str):
        super().__init__()
        self.exclusive = exclusive

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        items = []
        for item in params["items"]:
            if item.get("value") == self.exclusive:
                items.append({"divider": "or"})
                item = {**item, "behaviour": "exclusive"}
            items.append(item)
        params["items"] = items
        return params
