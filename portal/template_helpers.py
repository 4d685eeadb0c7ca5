"""Jinja globals and filters: the council's settings, GOV.UK dates, and an error summary whose
links focus the right input (date inputs included)."""

import json
from datetime import date

from flask import Flask, current_app, url_for
from markupsafe import Markup

from portal.deadlines import long_date
from portal.domain.uploads import UPLOAD_SIZE_TEXT, UPLOAD_TYPES_TEXT
from portal.timeouts import human_duration, session_timeout


def _as_date(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def gov_date(value) -> str:
    return long_date(_as_date(value)) if value else ""


def short_date(value) -> str:
    """25 Nov 2026: for tables, where the long form wraps."""
    if not value:
        return ""
    value = _as_date(value)
    return f"{value.day} {value.strftime('%b %Y')}"


def humanise(code: str) -> str:
    """A stored code as words: `data_found` -> "Data found"."""
    return str(code).replace("_", " ").replace("-", " ").capitalize()


# Audit details that hold codes or ISO dates; everything else (reasons, notes, questions) is
# what a person typed and is shown exactly as stored.
_AUDIT_CODES = {
    "services",
    "service",
    "before",
    "after",
    "channel",
    "outcome",
    "kind",
    "message",
    "evidence_kind",
    "third_party_found",
    "third_party_handling",
    "harm_records",
    "harm_outcome",
}
_AUDIT_DATES = {"received", "due", "evidence_date", "until"}


def audit_value(key: str, value, services: dict) -> str:
    """One detail of an audit entry in words: service names, codes humanised, dates in full."""
    values = value if isinstance(value, list) else [value]
    if key in _AUDIT_DATES:
        try:
            return ", ".join(gov_date(str(v)) for v in values)
        except ValueError:
            pass
    if key in _AUDIT_CODES:
        return ", ".join(services[v].name if v in services else humanise(v) for v in values)
    if any(isinstance(v, dict) for v in values):
        # A list of records (a pack's files and their hashes, exemptions): one per line.
        return "\n".join(_record(v) for v in values)
    return ", ".join(str(v) for v in values)


def _record(value) -> str:
    if not isinstance(value, dict):
        return str(value)
    return "; ".join(f"{humanise(k)}: {v}" for k, v in value.items())


def error_summary(form) -> dict:
    """Errors about the form as a whole first (they have no field to link to), then each
    field's first error, linked to its input."""
    items = [{"text": text} for text in getattr(form, "form_errors", ())]
    for field in form:
        if field.errors:
            target = getattr(field, "error_target", None) or field.id
            items.append({"text": field.errors[0], "href": f"#{target}"})
    return {"titleText": "There is a problem", "errorList": items}


def item_params(form, field) -> list[dict]:
    """Per-option params (hints) for radios and checkboxes, in choice order."""
    hints = getattr(form, "hints", {}).get(field.name, {})
    return [
        {"hint": {"text": hints[value]}} if value in hints else {} for value, _ in field.choices
    ]


FILE_TYPES = {"application/pdf": "PDF", "image/jpeg": "JPG image", "image/png": "PNG image"}


def file_type(content_type: str) -> str:
    return FILE_TYPES.get(content_type, content_type)


def file_size(size: int) -> str:
    """Sizes as GOV.UK writes them: 340KB, 2.4MB."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))}KB"
    return f"{size / (1024 * 1024):.1f}MB"


def static_url(filename: str) -> str:
    """The URL of a file in static/: its fingerprinted copy when the build lists it (cached for
    a year), otherwise its plain name."""
    manifest = current_app.extensions.get("asset_manifest", {})
    return url_for("static", filename=manifest.get(filename, filename))


_RENDERED: dict[tuple[str, str], Markup] = {}


def same_every_time(macro, params: dict) -> Markup:
    """A GOV.UK macro's HTML for these params, rendered once and kept: for the page's frame
    (header, navigation, phase banner, exit button), the same on every page, yet rendering
    them was about a sixth of every page's cost. GOV.UK macros see only their params, so the
    HTML depends on nothing else. Only for params that hold nothing personal (the key holds
    them; a few variants, such as a "Sign out" link or not), and the store stops growing at a
    few hundred."""
    key = (macro.name, json.dumps(params, sort_keys=True, default=str))
    html = _RENDERED.get(key)
    if html is None:
        html = macro(params)  # Markup: the macro escaped what it was given
        if len(_RENDERED) < 256:
            _RENDERED[key] = html
    return html


def init_app(app: Flask) -> None:
    app.add_template_global(same_every_time)
    app.add_template_global(static_url)
    app.add_template_global(file_type)
    app.add_template_global(file_size)
    app.add_template_global(item_params)
    app.add_template_global(audit_value)
    app.add_template_global(humanise)
    app.add_template_filter(gov_date)
    app.add_template_filter(short_date)
    app.add_template_global(error_summary)
    app.add_template_global(session_timeout)

    @app.context_processor
    def settings():
        c = app.config
        return {
            "upload_types_text": UPLOAD_TYPES_TEXT,  # "PDF, JPG or PNG"
            "upload_size_text": UPLOAD_SIZE_TEXT,
            "council_name": c["COUNCIL_NAME"],
            "service_name": c["SERVICE_NAME"],
            "council_phone": c["COUNCIL_PHONE"],
            "council_email": c["COUNCIL_EMAIL"],
            "council_address": c["COUNCIL_ADDRESS"],
            "exit_page_url": c["EXIT_PAGE_URL"],
            "delivery_days": c["DELIVERY_DAYS"],
            "capturing_messages": not c["NOTIFY_API_KEY"] and not c["PRODUCTION"],
            # How long a resident's session and their unsent answers last, as pages say it:
            # from the settings the session store and the retention pass use.
            "session_length_text": human_duration(c["RESIDENT_SESSION_MINUTES"]),
            "draft_keep_text": app.extensions["retention"]["unsubmitted_drafts"].keep.text,
        }
