"""Rows for the check-your-answers page, from the answers to the pages that apply."""

from datetime import date

from flask import url_for

from portal.public import journey
from portal.template_helpers import gov_date, humanise


def _display(field, value) -> str:
    if value in (None, "", []):
        return "Not given"
    choices = dict(getattr(field, "choices", None) or [])
    if isinstance(value, list):
        return "\n".join(choices.get(v, v) for v in value)
    if field.type == "GovDateField":
        return gov_date(value)
    return choices.get(value, value)


def summary_rows(answers: dict, today: date) -> list[dict]:
    rows = []
    for step in journey.applicable(answers, today):
        if step.name == "child-view":
            continue
        page = answers.get(step.name, {})
        change = url_for("public.question", step_name=step.name, change=1)
        # formdata=None: the check page's own POST must not stand in for these answers.
        form = journey.build_form(step, answers, formdata=None, meta={"csrf": False})
        if "upload_id" in page or step.name in journey.UPLOAD_PURPOSES:
            rows.append(
                {
                    "key": step.title(answers),
                    "value": page.get("filename") or "Not given",
                    "href": change,
                }
            )
            continue
        names = (
            form.shown_fields()
            if hasattr(form, "shown_fields")
            else [n for n in form._fields if n not in ("submit", "csrf_token")]
        )
        for name in names:
            field = form[name]
            label = (
                step.title(answers)
                if len(names) == 1
                else field.label.text.replace(" (optional)", "")
            )
            rows.append(
                {
                    "key": label,
                    "value": _display(field, page.get(name)),
                    "href": change,
                    "name": label.lower(),
                }
            )
    return rows


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
                rows.append({"key": label, "value": _display(field, value)})
            else:
                shown = "\n".join(value) if isinstance(value, list) else str(value)
                rows.append({"key": humanise(key), "value": shown})
    return rows
