"""Rows for the check-your-answers page, from the answers to the pages that apply."""

from datetime import date

from flask import url_for

from portal.questions import journey
from portal.questions.answers import answer_rows


def summary_rows(answers: dict, today: date, changeable: bool = True) -> list[dict]:
    rows = []
    for step in journey.applicable(answers, today):
        if step.name == "child-view":
            continue
        page = answers.get(step.name, {})
        change = url_for("public.question", step_name=step.name, change=1) if changeable else None
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
        for key, value in answer_rows(form, names, journey.about(answers)):
            label = step.title(answers) if len(names) == 1 else key
            rows.append({"key": label, "value": value, "href": change, "name": label.lower()})
    return rows


def mask_email(address: str) -> str:
    """s•••@example.com: enough for the resident to recognise, little for anyone looking on."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}{'•' * 3}@{domain}"


def mask_mobile(number: str) -> str:
    return f"{'•' * max(0, len(number) - 3)}{number[-3:]}"


def masked_recipients(recipients: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(channel, what to show) for each channel a confirmation went to; a letter's address is
    not shown at all."""
    shown = {"email": mask_email, "sms": mask_mobile, "letter": lambda _address: ""}
    return [(channel, shown[channel](to)) for channel, to in recipients if channel in shown]
