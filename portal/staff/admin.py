"""Administrators manage staff accounts (and see no request content); the DPO sees the messages
the portal sent, captured or failed."""

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from portal.content import choices
from portal.domain import DomainError
from portal.domain.messages import (
    STATUS_FILTERS,
    ResendRefused,
    can_resend,
    resend_channels,
    resend_message,
    search_messages,
)
from portal.domain.staff_accounts import (
    change_access,
    create_staff,
    decide_grant,
    pending_grant,
    pending_grants,
    reset_two_factor,
    set_active,
)
from portal.extensions import db
from portal.forms.errors import show_error
from portal.models import (
    AuditActor,
    CapturedMessage,
    DataRequest,
    OutboxMessage,
    StaffUser,
)
from portal.notify.configured import capturing
from portal.numbers import MAX_PAGE, whole_number
from portal.runtime import clock, definition, domain_context, scanner
from portal.staff import forms
from portal.staff.access import actor, staff_required
from portal.staff.forms import ROLE_CHOICES, StaffAccessForm, StaffAccountForm
from portal.staff.staff_blueprint import staff
from portal.template_helpers import humanise

ROLE_NAMES = {code: label.split(" (")[0] for code, label in ROLE_CHOICES}


@staff.route("/accounts")
@staff_required("admin")
def accounts():
    users = db.session.scalars(select(StaffUser).order_by(StaffUser.full_name)).all()
    return render_template(
        "staff/accounts.html",
        title="Staff accounts",
        users=users,
        role_names=ROLE_NAMES,
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
            user = create_staff(
                db.session,
                email=form.email.data,
                full_name=form.full_name.data,
                role=form.role.data,
                password=form.password.data,
                services=form.services.data or [],
                known_services=services,
                actor=AuditActor.acting(actor()),
            )
            waiting = (
                " It can be used once a Data Protection Officer approves its access to requests."
                if user.awaiting_approval
                else ""
            )
            flash(
                f"Account created for {user.full_name}. At their first sign-in they choose their "
                f"own password and set up two-factor authentication.{waiting}"
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
                outcome = change_access(
                    db.session,
                    user,
                    role=form.role.data,
                    services=form.services.data or [],
                    known_services=services,
                    actor=AuditActor.acting(actor()),
                )
                flash(
                    f"The change to {user.full_name}’s access is waiting for a Data Protection "
                    "Officer’s approval."
                    if outcome == "pending"
                    else f"{user.full_name}’s access has been changed."
                )
                return redirect(url_for("staff.accounts"))
            except DomainError as error:
                show_error(form, error)
    return render_template(
        "staff/account.html",
        title=user.full_name,
        user=user,
        form=form,
        services=services,
        pending=pending_grant(db.session, user),
        role_names=ROLE_NAMES,
        back_url=url_for("staff.accounts"),
        staff_page=True,
    )


@staff.route("/accounts/<int:user_id>/reset-two-factor", methods=["GET", "POST"])
@staff_required("admin")
def account_reset_two_factor(user_id):
    """Asks why first (a warning, the reason for the audit trail), then resets."""
    user = _staff_user_or_404(user_id)
    if user.id == actor().id:
        abort(400)  # an administrator cannot sign themselves out of two-factor
    form = forms.TakeAccessAwayForm()
    if form.validate_on_submit():
        try:
            reset_two_factor(db.session, user, AuditActor.acting(actor()), form.reason.data)
            flash(
                f"Two-factor authentication is reset for {user.full_name}: they set it up again "
                "when they next sign in."
            )
            return redirect(url_for("staff.account", user_id=user.id))
        except DomainError as error:
            show_error(form, error)
    return render_template(
        "staff/confirm.html",
        title=f"Reset two-factor authentication for {user.full_name}",
        caption="Staff account",
        warning=f"{user.full_name} will be signed out everywhere at once and must set up "
        "two-factor authentication again at their next sign-in.",
        form=form,
        submit_label="Reset two-factor authentication",
        back_url=url_for("staff.account", user_id=user.id),
        staff_page=True,
    )


@staff.route("/services")
@staff_required("admin", "dpo")
def services_page():
    """The services requests are routed to, from workflows/routing.yaml, with who works in each."""
    routing = definition().routing
    caseworkers = db.session.scalars(
        select(StaffUser)
        .where(
            StaffUser.role == "caseworker",
            StaffUser.active.is_(True),
            StaffUser.awaiting_approval.is_(False),
        )
        .order_by(StaffUser.full_name)
    ).all()
    members = {code: [u for u in caseworkers if code in u.services] for code in routing.services}
    return render_template(
        "staff/services.html",
        title="Services",
        services=routing.services,
        members=members,
        category_labels=dict(choices("categories")),
        scanning=scanner(),
        staff_page=True,
    )


@staff.route("/accounts/<int:user_id>/active", methods=["GET", "POST"])
@staff_required("admin")
def account_active(user_id):
    """Reactivate at once; deactivate after a warning and a reason (the audit trail keeps it)."""
    user = _staff_user_or_404(user_id)
    make_active = request.method == "POST" and request.form.get("active") == "1"
    if user.id == actor().id and not make_active:
        abort(400)  # an administrator cannot lock themselves out
    if make_active:
        try:
            set_active(db.session, user, True, AuditActor.acting(actor()))
        except DomainError:
            abort(400)  # not offered: an account waiting for approval cannot be reactivated
        flash(f"{user.full_name}’s account is active again.")
        return redirect(url_for("staff.accounts"))
    if not user.active:
        abort(404)  # already deactivated
    form = forms.TakeAccessAwayForm()
    if form.validate_on_submit():
        try:
            set_active(db.session, user, False, AuditActor.acting(actor()), form.reason.data)
            flash(f"{user.full_name}’s account is deactivated and signed out everywhere.")
            return redirect(url_for("staff.accounts"))
        except DomainError as error:
            show_error(form, error)
    return render_template(
        "staff/confirm.html",
        title=f"Deactivate {user.full_name}’s account",
        caption="Staff account",
        warning=f"{user.full_name} will be signed out everywhere at once and cannot sign in "
        "until an administrator reactivates the account.",
        form=form,
        hidden={"active": "0"},
        submit_label="Deactivate the account",
        back_url=url_for("staff.accounts"),
        staff_page=True,
    )


@staff.route("/access-approvals")
@staff_required("dpo")
def access_approvals():
    """Access to request content that administrators asked for, waiting for a DPO."""
    return render_template(
        "staff/access_approvals.html",
        title="Access waiting for approval",
        grants=pending_grants(db.session),
        role_names=ROLE_NAMES,
        services=definition().routing.services,
        staff_page=True,
    )


@staff.route("/access-approvals/<int:grant_id>", methods=["GET", "POST"])
@staff_required("dpo")
def access_approval(grant_id):
    grant = next((g for g in pending_grants(db.session) if g.id == grant_id), None)
    if grant is None:
        abort(404)
    form = forms.GrantDecisionForm()
    if form.validate_on_submit():
        approve = form.decision.data == "approve"
        try:
            decide_grant(
                db.session,
                grant.id,
                approve=approve,
                reason=form.reason.data,
                actor=AuditActor.acting(actor()),
                now=clock().now(),
            )
            flash(
                f"{grant.staff.full_name} now has the access you approved."
                if approve
                else f"You rejected the change to {grant.staff.full_name}’s access."
            )
            return redirect(url_for("staff.access_approvals"))
        except DomainError as error:
            show_error(form, error)
    return render_template(
        "staff/access_approval.html",
        title=f"Approve access for {grant.staff.full_name}",
        grant=grant,
        form=form,
        role_names=ROLE_NAMES,
        services=definition().routing.services,
        back_url=url_for("staff.access_approvals"),
        staff_page=True,
    )


@staff.route("/messages")
@staff_required("dpo")
def messages():
    form = forms.MessagesFilterForm(request.args)
    form.status.choices = [(s, STATUS_LABELS.get(s, humanise(s))) for s in STATUS_FILTERS]
    form.message.choices = [("", "Any message")] + [
        (key, humanise(key)) for key in definition().messages
    ]
    status = form.status.data if form.status.data in STATUS_FILTERS else "failed"
    key = form.message.data if form.message.data in definition().messages else ""
    form.status.data, form.message.data = status, key
    page_number = whole_number(request.args.get("page"), 1, MAX_PAGE)
    result = search_messages(db.session, status, key, page_number)
    captured = (
        db.session.scalars(
            select(CapturedMessage).order_by(CapturedMessage.id.desc()).limit(50)
        ).all()
        if capturing()
        else []
    )
    return render_template(
        "staff/messages.html",
        title="Messages",
        form=form,
        result=result,
        page_url=lambda n: url_for("staff.messages", status=status, message=key or None, page=n),
        can_resend=can_resend,
        captured=captured,
        capturing=capturing(),
        staff_page=True,
    )


STATUS_LABELS = {"failed": "Not sent or not delivered", "all": "Any status"}
RESEND_BACK = ("messages", "request")


@staff.route("/messages/<int:message_id>/resend", methods=["GET", "POST"])
@staff_required("dpo")
def resend(message_id):
    row = db.session.get(OutboxMessage, message_id)
    if row is None or not can_resend(row):
        abort(404)
    found = db.session.get(DataRequest, row.request_id) if row.request_id else None
    back = request.args.get("back") if request.args.get("back") in RESEND_BACK else "messages"
    back_url = (
        url_for("staff.request_page", reference=found.reference)
        if back == "request" and found is not None
        else url_for("staff.messages")
    )
    form = forms.ResendForm()
    form.channel.choices = [
        (channel, f"{CHANNEL_LABELS[channel]}{'' if channel != row.channel else ' (again)'}")
        for channel, _ in resend_channels(definition(), row, found)
    ]
    if form.validate_on_submit():
        try:
            resend_message(domain_context(), row, form.channel.data, actor())
            flash(f"The {humanise(row.message_key).lower()} message will be sent again.")
            return redirect(back_url)
        except ResendRefused as error:
            show_error(form, error)
    return render_template(
        "staff/simple_form.html",
        title="Send a message again",
        intro=f"{humanise(row.message_key)} by {CHANNEL_LABELS[row.channel].lower()} "
        f"could not be sent or delivered: {row.last_error or humanise(row.status)}.",
        form=form,
        req=found,
        back_url=back_url,
        staff_page=True,
    )


CHANNEL_LABELS = {"email": "Email", "sms": "Text message", "letter": "Letter"}
