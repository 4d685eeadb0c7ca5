"""Administrators manage staff accounts (and see no request content); the DPO sees the messages
the portal sent, captured or failed."""

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from portal.content import choices
from portal.domain import DomainError
from portal.domain.staff_accounts import change_access, create_staff, reset_two_factor, set_active
from portal.extensions import db
from portal.forms.errors import show_error
from portal.models import (
    FAILED_STATUSES,
    AuditActor,
    CapturedMessage,
    DataRequest,
    OutboxMessage,
    StaffUser,
)
from portal.runtime import capturing, definition
from portal.staff.access import actor, staff_required
from portal.staff.forms import ROLE_CHOICES, StaffAccessForm, StaffAccountForm
from portal.staff.staff_blueprint import staff


@staff.route("/accounts")
@staff_required("admin")
def accounts():
    users = db.session.scalars(select(StaffUser).order_by(StaffUser.full_name)).all()
    return render_template(
        "staff/accounts.html",
        title="Staff accounts",
        users=users,
        role_names={code: label.split(" (")[0] for code, label in ROLE_CHOICES},
        services=definition().routing.services,
        staff_page=True,
    )


@staff.route("/accounts/new", methods=["GET", "POST"])
@staff_required("admin")
def new_account():
    form = StaffAccountForm()
    services = definition().routing.services
    form.services.choices = [(code, svc.name) for code, svc in services.items()]
    if form.validate_on_submit():
        try:
            create_staff(
                db.session,
                email=form.email.data,
                full_name=form.full_name.data,
                role=form.role.data,
                password=form.password.data,
                services=form.services.data or [],
                known_services=services,
                actor=AuditActor.acting(actor()),
            )
            flash(
                f"Account created for {form.full_name.data.strip()}. At their first sign-in they "
                "choose their own password and set up two-factor authentication."
            )
            return redirect(url_for("staff.accounts"))
        except DomainError as error:
            show_error(form, error)
    return render_template(
        "staff/simple_form.html",
        title="Add a staff account",
        form=form,
        back_url=url_for("staff.accounts"),
        staff_page=True,
    )


def _staff_user_or_404(user_id: int) -> StaffUser:
    user = db.session.get(StaffUser, user_id)
    if user is None:
        abort(404)
    return user


@staff.route("/accounts/<int:user_id>", methods=["GET", "POST"])
@staff_required("admin")
def account(user_id):
    """One account: change its role and services, or reset its two-factor authentication."""
    user = _staff_user_or_404(user_id)
    services = definition().routing.services
    form = StaffAccessForm(data={"role": user.role, "services": list(user.services)})
    form.services.choices = [(code, svc.name) for code, svc in services.items()]
    if form.validate_on_submit():
        if user.id == actor().id and form.role.data != "admin":
            form.role.errors = ["You cannot take away your own administrator role"]
        else:
            try:
                change_access(
                    db.session,
                    user,
                    role=form.role.data,
                    services=form.services.data or [],
                    known_services=services,
                    actor=AuditActor.acting(actor()),
                )
                flash(f"{user.full_name}’s access has been changed.")
                return redirect(url_for("staff.accounts"))
            except DomainError as error:
                show_error(form, error)
    return render_template(
        "staff/account.html",
        title=user.full_name,
        user=user,
        form=form,
        services=services,
        back_url=url_for("staff.accounts"),
        staff_page=True,
    )


@staff.route("/accounts/<int:user_id>/reset-two-factor", methods=["POST"])
@staff_required("admin")
def account_reset_two_factor(user_id):
    user = _staff_user_or_404(user_id)
    if user.id == actor().id:
        abort(400)  # an administrator cannot sign themselves out of two-factor
    reset_two_factor(db.session, user, AuditActor.acting(actor()))
    flash(f"{user.full_name} will set up two-factor authentication again when they next sign in.")
    return redirect(url_for("staff.accounts"))


@staff.route("/services")
@staff_required("admin", "dpo")
def services_page():
    """The services requests are routed to, from workflows/routing.yaml, with who works in each."""
    routing = definition().routing
    caseworkers = db.session.scalars(
        select(StaffUser)
        .where(StaffUser.role == "caseworker", StaffUser.active.is_(True))
        .order_by(StaffUser.full_name)
    ).all()
    members = {code: [u for u in caseworkers if code in u.services] for code in routing.services}
    return render_template(
        "staff/services.html",
        title="Services",
        services=routing.services,
        members=members,
        category_labels=dict(choices("categories")),
        staff_page=True,
    )


@staff.route("/accounts/<int:user_id>/active", methods=["POST"])
@staff_required("admin")
def account_active(user_id):
    user = _staff_user_or_404(user_id)
    make_active = request.form.get("active") == "1"
    if user.id == actor().id and not make_active:
        abort(400)  # an administrator cannot lock themselves out
    set_active(db.session, user, make_active, AuditActor.acting(actor()))
    return redirect(url_for("staff.accounts"))


@staff.route("/messages")
@staff_required("dpo")
def messages():
    failed = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status.in_(FAILED_STATUSES))
        .order_by(OutboxMessage.id.desc())
        .limit(100)
    ).all()
    captured = (
        db.session.scalars(
            select(CapturedMessage).order_by(CapturedMessage.id.desc()).limit(50)
        ).all()
        if capturing()
        else []
    )
    request_ids = {m.request_id for m in failed if m.request_id}
    references = dict(
        db.session.execute(
            select(DataRequest.id, DataRequest.reference).where(DataRequest.id.in_(request_ids))
        ).all()
    )
    return render_template(
        "staff/messages.html",
        title="Messages",
        references=references,
        failed=failed,
        captured=captured,
        capturing=capturing(),
        staff_page=True,
    )
