"""The DPO's pages about the portal's own records: the audit trail's recorded heads."""

from flask import render_template
from sqlalchemy import select

from portal.domain.audit import latest_checkpoints
from portal.extensions import db
from portal.models import AuditChainHead
from portal.staff.access import staff_required
from portal.staff.staff_blueprint import staff


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
