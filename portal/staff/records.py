"""The DPO's pages about the portal's own records: a request's legal hold, and the audit
trail's recorded heads."""

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from portal.domain import DomainError
from portal.domain.audit import latest_checkpoints
from portal.domain.retention import lift_legal_hold, place_legal_hold
from portal.extensions import db
from portal.forms.errors import show_error
from portal.models import AuditChainHead
from portal.numbers import whole_number
from portal.runtime import domain_context
from portal.staff.access import actor, staff_required, visible_request_or_404
from portal.staff.forms import LegalHoldForm, LiftLegalHoldForm
from portal.staff.staff_blueprint import staff


def _version(form) -> int:
    return whole_number(form.version.data, -1)


@staff.route("/requests/<reference>/legal-hold", methods=["GET", "POST"])
@staff_required("dpo")
def legal_hold(reference):
    """Place a legal hold (with its reason) or lift the one in place."""
    found = visible_request_or_404(reference)
    held = found.legal_hold_reason is not None
    form = LiftLegalHoldForm() if held else LegalHoldForm()
    if request.method == "GET":
        form.version.data = found.version
    if form.validate_on_submit():
        try:
            if held:
                lift_legal_hold(domain_context(), found, actor(), _version(form))
                flash("The legal hold is lifted: the retention schedule applies again.")
            else:
                place_legal_hold(domain_context(), found, actor(), form.reason.data, _version(form))
                flash("The request is on legal hold: the retention schedule will not remove it.")
            return redirect(url_for("staff.request_page", reference=reference))
        except DomainError as error:
            show_error(form, error)
    return render_template(
        "staff/simple_form.html",
        title="Lift the legal hold" if held else "Put the request on legal hold",
        intro=f"On hold: {found.legal_hold_reason}" if held else None,
        form=form,
        req=found,
        back_url=url_for("staff.request_page", reference=reference),
        staff_page=True,
    )


@staff.route("/audit-trail")
@staff_required("dpo")
def audit_trail():
    """The chain's head now and the heads the worker's daily checks recorded, newest first:
    note one down (or compare with the log) to catch a rewrite later."""
    return render_template(
        "staff/audit_trail.html",
        title="Audit trail",
        head=db.session.scalar(select(AuditChainHead)),
        checkpoints=latest_checkpoints(db.session),
        staff_page=True,
    )
