"""The time-out warning's figures for the page being drawn: how long until this visitor's session
ends, and where "continue", "sign out" and "your session has ended" are. Only a session with
something to lose gets a warning: a resident's answers or tracking sign-in, a signed-in member
of staff."""

from flask import current_app, request, session, url_for
from flask_login import current_user

from portal.runtime import clock
from portal.sessions import TOUCH_AFTER, area_of, resident_lifetime

# What a resident's session holds when losing it would lose something (a draft, a complaint
# draft, a tracking sign-in).
RESIDENT_KEYS = ("draft_id", "complaint_id", "track_id")


def human_duration(minutes: int) -> str:
    """120 -> "2 hours", 90 -> "90 minutes", 1 -> "1 minute"."""
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _staff_seconds_left() -> int | None:
    if not current_user.is_authenticated:
        return None
    config, now = current_app.config, clock().now().timestamp()
    idle = config["STAFF_IDLE_MINUTES"] * 60
    signed_in = session.get("staff_signed_in_at", now)
    absolute = config["STAFF_SESSION_HOURS"] * 3600 - (now - signed_in)
    return int(max(0, min(idle, absolute)))


def _resident_seconds_left() -> int:
    """A full session's length, unless this response leaves the stored expiry where it was (the
    store skips rewriting a record written less than TOUCH_AFTER ago): then what that expiry
    leaves, so the warning never comes after the session has really ended."""
    lifetime, now = resident_lifetime(current_app), clock().now()
    stored = session._get_current_object()
    expires = getattr(stored, "expires", None)
    if expires is None or stored.modified or (now + lifetime) - expires >= TOUCH_AFTER:
        return int(lifetime.total_seconds())
    return int(max(0, (expires - now).total_seconds()))


def session_timeout() -> dict | None:
    """None when there is nothing to warn about; else the figures the warning dialog reads."""
    config = current_app.config
    if area_of(request) == "staff":
        seconds = _staff_seconds_left()
        if seconds is None:
            return None
        urls = ("staff.extend_session", "staff.sign_out", "staff.sign_in")
    else:
        if not any(key in session for key in RESIDENT_KEYS):
            return None
        seconds = _resident_seconds_left()
        urls = ("public.extend_session", "public.sign_out", "public.session_ended")
    extend, sign_out, ended = (url_for(name) for name in urls)
    return {
        "seconds": seconds,
        "warn_seconds": min(config["TIMEOUT_WARNING_SECONDS"], seconds),
        "extend_url": extend,
        "sign_out_url": sign_out,
        "ended_url": ended,
    }
