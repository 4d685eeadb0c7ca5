"""Staff sign-in: password, then a TOTP code (set up with a QR code at first sign-in)."""

import time

import segno
from flask import (
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from portal.domain import DomainError
from portal.domain.staff_accounts import (
    change_password,
    check_password,
    check_totp,
    end_all_sessions,
    is_locked,
    load_user,
    new_totp_secret,
    record_sign_in,
    totp_uri,
)
from portal.extensions import db, limiter, login_manager
from portal.forms.errors import show_error
from portal.models import AuditActor
from portal.runtime import clock
from portal.staff.access import actor, staff_required
from portal.staff.forms import ChangePasswordForm, CodeForm, SignInForm
from portal.staff.staff_blueprint import staff
from portal.staff.views import home_for
from portal.timeouts import session_timeout

WRONG_DETAILS = "Enter the correct email address and password"
WRONG_CODE = "The code is not correct or has already been used. Wait for the next code"
PENDING_SECONDS = 300  # a password is good for 5 minutes while the code is entered


@login_manager.user_loader
def _load(user_id: str):
    return load_user(db.session, user_id)


@staff.route("/sign-in", methods=["GET", "POST"])
@limiter.limit("10 per minute; 60 per hour", methods=["POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = SignInForm()
    notice = {
        "idle": "You were signed out because you were inactive for a while.",
        "expired": "You were signed out because you signed in "
        f"{current_app.config['STAFF_SESSION_HOURS']} hours ago. Sign in again to carry on.",
        "locked": "You were signed out because the current password was wrong too many times. "
        "Try again in 15 minutes.",
    }.get(session.pop("signed_out", None))
    if form.validate_on_submit():
        result = check_password(
            db.session, form.email.data, form.password.data, clock().now(), get_remote_address()
        )
        if result.user is not None:
            next_page = session.get("next")
            session.clear()  # a fresh session for the signed-in user
            if next_page:
                session["next"] = next_page
            session["pending_staff"] = result.user.get_id()
            session["pending_at"] = time.time()
            if result.user.totp_confirmed:
                return redirect(url_for("staff.two_factor"))
            return redirect(url_for("staff.set_up_two_factor"))
        form.email.errors.append(WRONG_DETAILS)
        form.password.errors.append(WRONG_DETAILS)
    return render_template(
        "staff/sign_in.html", form=form, title="Sign in", notice=notice, staff_page=True
    )


def _pending_user():
    if time.time() - session.get("pending_at", 0) > PENDING_SECONDS:
        return None
    return load_user(db.session, session.get("pending_staff") or "")


def _complete_sign_in(user):
    next_page = session.get("next") or ""
    session.clear()
    login_user(user)
    session["staff_signed_in_at"] = session["staff_seen"] = clock().now().timestamp()
    record_sign_in(db.session, user)
    if user.must_change_password:
        return redirect(url_for("staff.change_password"))
    # Only ever back into the staff area: never an open redirect.
    if next_page.startswith("/staff/") and "//" not in next_page:
        return redirect(next_page)
    return redirect(home_for(user))


@staff.route("/two-factor", methods=["GET", "POST"])
@limiter.limit("10 per minute; 60 per hour", methods=["POST"])
def two_factor():
    user = _pending_user()
    if user is None:
        return redirect(url_for("staff.sign_in"))
    if not user.totp_confirmed:
        return redirect(url_for("staff.set_up_two_factor"))
    form = CodeForm()
    if form.validate_on_submit():
        if check_totp(db.session, user, form.code.data, clock().now(), get_remote_address()):
            return _complete_sign_in(user)
        form.code.errors.append(WRONG_CODE)
    return render_template(
        "staff/two_factor.html", form=form, title="Enter your code", staff_page=True
    )


@staff.route("/two-factor/set-up", methods=["GET", "POST"])
@limiter.limit("10 per minute; 60 per hour", methods=["POST"])
def set_up_two_factor():
    user = _pending_user()
    if user is None:
        return redirect(url_for("staff.sign_in"))
    if user.totp_confirmed:
        return redirect(url_for("staff.two_factor"))
    secret = new_totp_secret(db.session, user)
    form = CodeForm()
    if form.validate_on_submit():
        if check_totp(db.session, user, form.code.data, clock().now(), get_remote_address()):
            return _complete_sign_in(user)
        form.code.errors.append(WRONG_CODE)
    uri = totp_uri(user, current_app.config["COUNCIL_NAME"])
    return render_template(
        "staff/set_up_two_factor.html",
        form=form,
        title="Set up two-factor authentication",
        qr_code=segno.make(uri, error="m").svg_data_uri(scale=5, border=2),
        secret_groups=[secret[i : i + 4] for i in range(0, len(secret), 4)],
        staff_page=True,
    )


@staff.route("/password", methods=["GET", "POST"], endpoint="change_password")
@limiter.limit("10 per minute; 60 per hour", methods=["POST"])
@staff_required()
def change_password_page():
    form = ChangePasswordForm()
    temporary = current_user.must_change_password
    if form.validate_on_submit():
        try:
            change_password(
                db.session,
                current_user,
                form.current_password.data,
                form.new_password.data,
                clock().now(),
                AuditActor.acting(actor()),
                get_remote_address(),
            )
        except DomainError as error:
            if is_locked(current_user, clock().now(), get_remote_address()):
                # Someone at an unattended session guessing the password: end it.
                logout_user()
                session.clear()
                session["signed_out"] = "locked"
                return redirect(url_for("staff.sign_in"))
            show_error(form, error)
        else:
            # This session carries on under the new session epoch; the others have ended.
            login_user(current_user._get_current_object())
            session["staff_seen"] = clock().now().timestamp()
            flash("Your password has been changed. You have been signed out everywhere else.")
            return redirect(home_for(current_user))
    return render_template(
        "staff/change_password.html",
        form=form,
        title="Choose a new password" if temporary else "Change your password",
        temporary=temporary,
        staff_page=True,
    )


@staff.route("/sign-out", methods=["GET", "POST"])
@staff_required()
def sign_out():
    from flask import request

    if request.method == "POST":
        form_everywhere = request.form.get("everywhere") == "1"
        if form_everywhere:
            end_all_sessions(db.session, current_user, AuditActor.acting(actor()))
        logout_user()
        session.clear()
        return render_template(
            "staff/signed_out.html",
            title="You have signed out",
            everywhere=form_everywhere,
            staff_page=True,
        )
    return render_template("staff/sign_out.html", title="Sign out", staff_page=True)


@staff.route("/session/extend", methods=["POST"])
@staff_required()
def extend_session():
    """The time-out warning's "continue": the access check has just counted this request as
    activity; the answer says how long the session now has."""
    if request.accept_mimetypes.best == "application/json":
        return jsonify(session_timeout())
    return redirect(home_for(current_user), 303)
