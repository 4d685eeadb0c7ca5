"""Administrators manage staff accounts (and see no request content); the DPO sees the messages
the portal sent, captured or failed."""

from flask import abort, redirect, render_template, request, url_for
from sqlalchemy import select

from portal.domain import DomainError
from portal.domain.staff_accounts import create_staff, set_active
from portal.extensions import db
from portal.models import (
    FAILED_STATUSES,
    CapturedMessage,
    DataRequest,
    OutboxMessage,
    StaffUser,
)
from portal.runtime import capturing, definition
from portal.staff.access import actor, staff_required
from portal.staff.forms import StaffAccountForm
from portal.staff.staff_blueprint import staff


@staff.route("/accounts")
@staff_required("admin")
def accounts():
    users = db.session.scalars(select(StaffUser).order_by(StaffUser.full_name)).all()
    return render_template(
        "staff/accounts.html",
        title="Staff accounts",
        users=users,
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
                actor=actor().label,
            )
            return redirect(url_for("staff.accounts"))
        except DomainError as error:
            db.session.rollback()
            target = form.password if "assword" in str(error) else form.role
            if "email" in str(error):
                target = form.email
            if "service" in str(error).lower():
                target = form.services
            target.errors = [str(error).rstrip(".")]
    return render_template(
        "staff/simple_form.html",
        title="Add a staff account",
        form=form,
        back_url=url_for("staff.accounts"),
        staff_page=True,
    )


@staff.route("/accounts/<int:user_id>/active", methods=["POST"])
@staff_required("admin")
def account_active(user_id):
    user = db.session.get(StaffUser, user_id)
    if user is None:
        abort(404)
    make_active = request.form.get("active") == "1"
    if user.id == actor().id and not make_active:
        abort(400)  # an administrator cannot lock themselves out
    set_active(db.session, user, make_active, actor().label)
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
