"""A request's answers as the question pages label them: the resident's check-answers page and the
staff request page both read them through here."""

from portal.content import privacy_notice
from portal.forms.fields import ADDRESS_PARTS
from portal.questions import journey
from portal.template_helpers import gov_date, humanise

# Options a request may hold from before the question changed: the privacy notice's own
# categories, which "Which kinds of information" listed until it offered plainer kinds.
_EARLIER_CHOICES = {
    c["key"]: c["text"][0].upper() + c["text"][1:] for c in privacy_notice()["categories"]
}


def display_value(field, value) -> str:
    if value in (None, "", []):
        return "Not given"
    choices = {**_EARLIER_CHOICES, **dict(getattr(field, "choices", None) or [])}
    if isinstance(value, list):
        return "\n".join(choices.get(v, v) for v in value)
    if field.type == "GovDateField":
        return gov_date(value)
    return choices.get(value, value)


def answer_rows(form, names: list[str], words: dict) -> list[tuple[str, str]]:
    """(label, value) for each shown field, an address's parts read as one answer ("Your child's
    address" or "Postal address", one line each)."""
    rows, done = [], False
    for name in names:
        part = next((p for p in ADDRESS_PARTS if name.endswith(p)), None)
        if part is None:
            field = form[name]
            rows.append(
                (field.label.text.replace(" (optional)", ""), display_value(field, field.data))
            )
        elif not done:
            prefix = name[: -len(part)]
            lines = [form[prefix + p].data for p in ADDRESS_PARTS]
            label = "Postal address" if prefix else f"{words['Your']} address"
            rows.append((label, "\n".join(line for line in lines if line) or "Not given"))
            done = True
    return rows


def stored_answer_rows(answers: dict) -> list[dict]:
    """A sent request's own answers (the right's pages), labelled and worded as the resident saw
    the questions, for the staff request page. Pages the journey no longer has are shown as
    stored, so nothing a resident said is hidden."""
    rows = []
    asked_by = {"who": {"who": answers.get("who")}}  # stored as the bare answer
    for name, page in answers.items():
        if not isinstance(page, dict):
            continue
        step = journey.BY_NAME.get(journey.RETIRED.get(name, name))
        form = (
            journey.build_form(step, asked_by, data=page, formdata=None, meta={"csrf": False})
            if step
            else None
        )
        for key, value in page.items():
            if value in (None, "", []) or key in ("upload_id", "filename"):
                continue
            if form is not None and key in form:
                field = form[key]
                label = field.label.text.replace(" (optional)", "")
                rows.append({"key": label, "value": display_value(field, value)})
            else:
                shown = "\n".join(value) if isinstance(value, list) else str(value)
                rows.append({"key": humanise(key), "value": shown})
    return rows
