"""A request's answers as the question pages label them: the resident's check-answers page and the
staff request page both read them through here."""

from portal.questions import journey
from portal.template_helpers import gov_date, humanise


def display_value(field, value) -> str:
    if value in (None, "", []):
        return "Not given"
    choices = dict(getattr(field, "choices", None) or [])
    if isinstance(value, list):
        return "\n".join(choices.get(v, v) for v in value)
    if field.type == "GovDateField":
        return gov_date(value)
    return choices.get(value, value)


def stored_answer_rows(answers: dict) -> list[dict]:
    """A sent request's own answers (the right's pages), labelled and worded as the resident saw
    the questions, for the staff request page. Pages the journey no longer has are shown as
    stored, so nothing a resident said is hidden."""
    rows = []
    for name, page in answers.items():
        if not isinstance(page, dict):
            continue
        step = journey.BY_NAME.get(name)
        form = (
            journey.build_form(step, {}, data=page, formdata=None, meta={"csrf": False})
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
