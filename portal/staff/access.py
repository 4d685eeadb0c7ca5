"""Who may open which staff page: signed in with both factors, the right role, and not idle."""

from functools import wraps

from flask import abort, current_app, g, redirect, request, session, url_for
from flask_login import current_user, logout_user

from portal.domain.casework import actor_for, find_visible
from portal.extensions import db
from portal.runtime import clock
from portal.staff.staff_blueprint import staff

REQUEST_ROLES = ("dpo", "caseworker")


def _now() -> float:
    return clock().now().timestamp()


@staff.before_request
def end_idle_sessions():
    """Signed out after STAFF_IDLE_MINUTES without a request, and STAFF_SESSION_HOURS after
    signing in however busy (the session record is deleted: its cookie leads nowhere)."""
    if not current_user.is_authenticated:
        return None
    now = _now()
    config = current_app.config
    seen = session.get("staff_seen", now)
    signed_in = session.get("staff_signed_in_at", 0)
    reason = None
    if now - signed_in > config["STAFF_SESSION_HOURS"] * 3600:
        reason = "expired"
    elif now - seen > config["STAFF_IDLE_MINUTES"] * 60:
        reason = "idle"
    if reason:
        logout_user()
        session.clear()
        session["signed_out"] = reason
        return redirect(url_for("staff.sign_in"))
    session["staff_seen"] = now
    return None


# With a temporary password, only these pages open: the temporary password is known to whoever
# set it, so nothing else is shown until its owner has replaced it.
OPEN_BEFORE_CHANGE = {"staff.change_password", "staff.sign_out"}


def staff_required(*roles):
    """Signed in (both factors); with roles, one of them, else 403."""

    def decorate(view):
        @wraps(view)
        def inner(*args, **kwargs):
            if not current_user.is_authenticated:
                session["next"] = request.path
                return redirect(url_for("staff.sign_in"))
            if current_user.must_change_password and request.endpoint not in OPEN_BEFORE_CHANGE:
                return redirect(url_for("staff.change_password"))
            if roles and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return inner

    return decorate


def actor():
    return actor_for(current_user)


def visible_request_or_404(reference: str):
    """A request this user may see. Another service's request is 'not found', not 'forbidden':
    a guessed reference must not confirm that it exists."""
    found = find_visible(db.session, actor(), reference)
    if found is None:
        abort(404)
    return found


@staff.teardown_app_request
def forget_signed_in_user(_error=None):
    # Flask-Login caches the user on `g`, which outlives the request when an app context was
    # already pushed (commands, tests): never let one request's user leak into the next.
    g.pop("_login_user", None)
