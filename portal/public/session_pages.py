"""The resident's session itself: keep it going (the time-out warning's "continue"), sign out
(tracking or a journey), and the page that says a session has ended and what that means for
their answers."""

from urllib.parse import urlparse

from flask import jsonify, redirect, render_template, request, session, url_for

from portal.public.forms import SignOutForm
from portal.public.public_blueprint import public
from portal.timeouts import RESIDENT_KEYS, session_timeout


def _back_here():
    """Where a plain (no JavaScript) form post goes back to: the page it came from, if ours."""
    came_from = urlparse(request.referrer or "")
    if came_from.netloc == request.host and came_from.path.startswith("/"):
        return redirect(came_from.path, 303)
    return redirect(url_for("public.start"), 303)


@public.route("/session/extend", methods=["POST"])
def extend_session():
    """The warning's "continue": any request keeps a session going; this one writes it back
    at once so its end moves even within the store's minute of grace."""
    if not any(key in session for key in RESIDENT_KEYS):
        if request.accept_mimetypes.best == "application/json":
            return jsonify({"ended": True, "ended_url": url_for("public.session_ended")}), 401
        return redirect(url_for("public.session_ended"), 303)
    session.modified = True
    if request.accept_mimetypes.best == "application/json":
        return jsonify(session_timeout())
    return _back_here()


@public.route("/sign-out", methods=["GET", "POST"])
def sign_out():
    """Ends the session on the server: its record goes and the cookie leads nowhere. The
    header's link asks first (a link followed by mistake signs nobody out); the tracking page's
    button and the time-out warning's post straight here."""
    form = SignOutForm()
    if not form.validate_on_submit():
        return render_template("public/sign_out.html", form=form, title="Sign out")
    tracking = "track_id" in session
    session.clear()
    return redirect(url_for("public.signed_out", tracking=1 if tracking else None), 303)


@public.route("/signed-out")
def signed_out():
    return render_template(
        "public/signed_out.html",
        title="You have signed out",
        tracking=bool(request.args.get("tracking")),
    )


@public.route("/session-ended")
def session_ended():
    """Where the time-out warning sends a resident whose time ran out: whatever the session
    still held is let go, so the next person at the device cannot pick it up."""
    session.clear()
    return render_template("public/session_ended.html", title="Your session has ended")
