"""Logging a request received by post, phone, email or in person. Thin: choose the right and who
is asking, then the journey's questions for them; one domain call stores it."""

from flask import flash, redirect, render_template, request, url_for
from werkzeug.datastructures import CombinedMultiDict

from portal.domain import DomainError
from portal.domain.offline import log_offline_request
from portal.runtime import clock, domain_context
from portal.staff.access import REQUEST_ROLES, actor, staff_required
from portal.staff.intake_forms import WHO, IntakeChoiceForm, IntakePage
from portal.staff.staff_blueprint import staff

TITLE = "Log a request received by post, phone, email or in person"


@staff.route("/requests/new", methods=["GET", "POST"])
@staff_required(*REQUEST_ROLES)
def new_request():
    choice = IntakeChoiceForm(formdata=request.args)
    # "change" comes back here from the questions page to choose again.
    chosen = bool(request.args) and "change" not in request.args and choice.validate()
    if not chosen:
        return render_template(
            "staff/intake_start.html",
            title=TITLE,
            form=choice,
            back_url=url_for("staff.queue"),
            staff_page=True,
        )
    right, who = choice.right.data, choice.who.data
    posted = CombinedMultiDict([request.files, request.form]) if request.method == "POST" else None
    page = IntakePage(right, who, clock().today(), formdata=posted)
    if posted is not None and page.validate():
        try:
            made = log_offline_request(
                domain_context(), page.details(), page.answers, actor(), scan=page.scan
            )
        except DomainError as error:
            page.show_error(error)
        else:
            if actor().role == "dpo" or {t.service for t in made.tasks} & actor().services:
                return redirect(url_for("staff.request_page", reference=made.reference))
            # A caseworker sees a request once it is routed to one of their services.
            flash(f"Request {made.reference} logged. The DPO will triage it.")
            return redirect(url_for("staff.queue"))
    return render_template(
        "staff/intake.html",
        title=TITLE,
        form=page,
        page=page,
        right=right,
        who=WHO[who],
        change_url=url_for("staff.new_request", right=right, who=who, change=1),
        back_url=url_for("staff.new_request"),
        staff_page=True,
    )
