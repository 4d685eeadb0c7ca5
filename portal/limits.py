"""Abuse limits per client (Flask-Limiter, keyed on the client's address), shared across the
pages that do the same costly thing: starting a request, uploading files, making the portal
send a one-time code. Their rates are settings (`LIMIT_...`), read as each request is checked,
and counted in RATELIMIT_STORAGE_URI (Redis when there is more than one web process)."""

from flask import current_app, request

from portal.domain.answers import CONTACT_PAGE
from portal.extensions import limiter


def _setting(name):
    return lambda: current_app.config[name]


def _posts_a_file() -> bool:
    return request.method == "POST" and any(f.filename for f in request.files.values())


def _sends_a_code() -> bool:
    endpoint, args = request.endpoint or "", request.view_args or {}
    if endpoint == "public.complaint_check":
        return True  # sends a code whenever the contact is not confirmed yet, GET included
    if request.method != "POST":
        return False
    sends = (
        "public.resend_code",
        "public.complaint_resend_code",
        "public.track",
        "public.save_for_later_page",  # a link (or, by text, how to come back)
        "public.resume",
    )
    return endpoint in sends or (
        endpoint == "public.question" and args.get("step_name") == CONTACT_PAGE
    )


# Files uploaded by one client, on the journey's upload pages and the tracking page together.
uploads_limit = limiter.shared_limit(
    _setting("LIMIT_UPLOADS"), scope="uploads", exempt_when=lambda: not _posts_a_file()
)
# One-time codes (and saved-answers links) one client makes the portal send: the journey,
# "send a new code", tracking, saving answers and coming back to them.
codes_limit = limiter.shared_limit(
    _setting("LIMIT_CODES_SENT"), scope="codes", exempt_when=lambda: not _sends_a_code()
)
# New requests and complaints (drafts) one client starts.
start_limit = limiter.shared_limit(_setting("LIMIT_START_REQUEST"), scope="start")
