"""The DPO's and caseworkers' pages: the queue, a request, and the actions on it. Thin: parse
the form, call one domain function, render or redirect."""

from io import BytesIO

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from portal.deadlines import long_date
from portal.domain import DomainError
from portal.domain import pack as pack_rules
from portal.domain.actions import apply_action, preview_action
from portal.domain.casework import (
    add_note,
    assign,
    record_identity_check,
    record_staff_download,
    resolve_attention,
)
from portal.domain.clock import deadline_of
from portal.domain.complaints import log_offline_complaint
from portal.domain.evidence import KIND_LABELS, review_evidence
from portal.domain.filestore import FileStore
from portal.domain.messages import can_resend
from portal.domain.requests import facts_for
from portal.domain.seen import mark_seen
from portal.domain.tasks import answer_task
from portal.extensions import db
from portal.forms.errors import show_error
from portal.models import (
    Attention,
    AuditEvent,
    EvidenceFile,
    OutboxMessage,
    ServiceTask,
    StaffUser,
    Upload,
)
from portal.numbers import whole_number
from portal.questions.answers import stored_answer_rows
from portal.rights import COMPLAINT, STAFF_CASE_LABELS
from portal.runtime import clock, definition, domain_context, working_calendar
from portal.staff import forms
from portal.staff.access import REQUEST_ROLES, actor, staff_required, visible_request_or_404
from portal.staff.request_page import CHANNEL_LABELS, time_left, timeline
from portal.staff.routing_offer import routing_offer
from portal.staff.staff_blueprint import staff
from portal.template_helpers import file_size
from portal.workflow import allowed_actions


def home_for(user) -> str:
    return url_for("staff.accounts" if user.role == "admin" else "staff.queue")


@staff.route("/")
@staff_required()
def home():
    return redirect(home_for(current_user))


def _assignable():
    return db.session.scalars(
        select(StaffUser)
        .where(StaffUser.active.is_(True), StaffUser.role.in_(REQUEST_ROLES))
        .order_by(StaffUser.full_name)
    ).all()


@staff.route("/requests/<reference>")
@staff_required(*REQUEST_ROLES)
def request_page(reference):
    found = visible_request_or_404(reference)
    # Opening it clears "new" or "updated" on the queue when the handler opens it.
    mark_seen(domain_context(), found, actor())
    wf = definition()
    today = clock().today()
    deadline = deadline_of(found, wf, working_calendar(), today)
    audit = db.session.scalars(
        select(AuditEvent).where(AuditEvent.request_id == found.id).order_by(AuditEvent.id)
    ).all()
    messages = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.request_id == found.id).order_by(OutboxMessage.id)
    ).all()
    attention = db.session.scalars(
        select(Attention).where(Attention.request_id == found.id, Attention.resolved_at.is_(None))
    ).all()
    return render_template(
        "staff/request.html",
        title=f"{'Complaint' if found.data_right == COMPLAINT else 'Request'} {found.reference}",
        req=found,
        deadline=deadline,
        state=wf.states[found.state],
        states=wf.states,
        transitions=wf.transitions,
        answer_rows=stored_answer_rows(found.answers or {}),
        actions=_allowed(found),
        time_left=time_left(wf.states[found.state], deadline, today, working_calendar()),
        timeline=timeline(audit, wf, found.data_right == COMPLAINT, wf.routing.services),
        channel_label=CHANNEL_LABELS.get(found.channel, found.channel),
        routing=routing_offer(found, _allowed(found), wf),
        messages=messages,
        attention=attention,
        services=wf.routing.services,
        right_label=STAFF_CASE_LABELS[found.data_right],
        complaint=found.data_right == COMPLAINT,
        # Complaints are the DPO's (docs/decisions.md): a caseworker is not shown them.
        complaints=found.complaints if actor().role == "dpo" else [],
        note_form=forms.NoteForm(),
        can_assign=actor().role == "dpo",
        has_pack=found.data_right == "access"
        and (found.pack is not None or pack_rules.can_change(wf, found)),
        evidence_labels=KIND_LABELS,
        can_resend=can_resend if actor().role == "dpo" else None,
        staff_page=True,
    )


def _allowed(found):
    today = clock().today()
    deadline = deadline_of(found, definition(), working_calendar(), today)
    facts = facts_for(found, today, deadline.first_month_due if deadline else None)
    offered = allowed_actions(definition(), facts, actor(), today)
    # Whoever helped assemble the pack is not offered its sign-off (the domain refuses it too).
    return [t for t in offered if t.pack != "sign_off" or pack_rules.may_sign_off(found, actor())]


def action_done(transition, now) -> str:
    """The confirmation after a workflow action: what was done and where the request is now."""
    return f"{transition.label}: done. The request is now: {now.staff_label}."


def _version(form) -> int | None:
    return whole_number(form.version.data, -1)


@staff.route("/requests/<reference>/actions/<action>", methods=["GET", "POST"])
@staff_required(*REQUEST_ROLES)
def action(reference, action):
    found = visible_request_or_404(reference)
    wf = definition()
    transition = wf.transitions.get(action)
    if transition is None:
        abort(404)
    if transition.notice:
        if transition not in _allowed(found):
            abort(404)
        return redirect(url_for("staff.choose_notice", reference=reference, action=action))
    form = forms.action_form(transition, wf, found, clock().today())
    if request.method == "GET":
        form.version.data = found.version
    back_url = url_for("staff.request_page", reference=reference)
    # A destructive action is taken in two steps: its form, then what the requester will
    # receive (rendered from exactly what was typed, carried in hidden fields) and a warning
    # button. "Change" goes back to the form with what was typed.
    confirmed = not transition.destructive or bool(request.form.get("confirm"))
    if form.validate_on_submit() and not request.form.get("change"):
        fields = {name: form[name].data for name in transition.fields}
        if "reason" in form and "reason" not in fields:
            fields["reason"] = form.reason.data
        if "evidence_date" in fields and fields["evidence_date"]:
            fields["evidence_date"] = fields["evidence_date"].isoformat()
        try:
            if not confirmed:
                return _confirm_page(found, transition, form, back_url, fields)
            apply_action(
                domain_context(), found, action, actor(), fields, expected_version=_version(form)
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash(action_done(transition, definition().states[found.state]))
            return redirect(back_url)
    elif request.method == "GET" and transition not in _allowed(found):
        abort(404)  # only the actions the workflow allows this user now are offered
    if transition.destructive:
        return _confirm_page(found, transition, form, back_url)
    return render_template(
        "staff/action.html",
        title=transition.label,
        form=form,
        req=found,
        back_url=back_url,
        staff_page=True,
    )


CARRIED_OVER = ("csrf_token", "confirm", "change", "submit")


def _confirm_page(found, transition, form, back_url, fields=None):
    """A destructive action's pages: the form with a warning or, with `fields`, the preview of
    what the requester will receive and the warning button that takes the action."""
    previews = None
    if fields is not None:
        previews = preview_action(
            domain_context(), found, transition.action, actor(), fields, _version(form)
        )
    carried = [
        (key, value)
        for key in request.form
        if key not in CARRIED_OVER
        for value in request.form.getlist(key)
    ]
    return render_template(
        "staff/confirm.html",
        title=transition.label,
        caption=found.reference,
        warning=WARNING,
        form=form,
        preview_step=previews is not None,
        previews=previews,
        carried=carried,
        submit_label=transition.label if previews is not None else "Continue",
        two_step=True,
        req=found,
        back_url=back_url,
        staff_page=True,
    )


WARNING = "This ends the request and cannot be undone. The requester is told."


@staff.route("/requests/<reference>/note", methods=["POST"])
@staff_required(*REQUEST_ROLES)
def note(reference):
    found = visible_request_or_404(reference)
    form = forms.NoteForm()
    if form.validate_on_submit():
        try:
            add_note(domain_context(), found, actor(), form.note.data)
            flash("Your note was added to the timeline.")
            return redirect(url_for("staff.request_page", reference=reference, _anchor="timeline"))
        except DomainError as error:
            show_error(form, error)
    return render_template(
        "staff/simple_form.html",
        title="Add an internal note",
        form=form,
        req=found,
        back_url=url_for("staff.request_page", reference=reference),
        staff_page=True,
    )


@staff.route("/requests/<reference>/assign", methods=["GET", "POST"])
@staff_required("dpo")
def assign_request(reference):
    found = visible_request_or_404(reference)
    form = forms.AssignForm()
    form.assignee.choices = [("", "Nobody")] + [(str(u.id), u.full_name) for u in _assignable()]
    if request.method == "GET":
        form.version.data = found.version
        form.assignee.data = str(found.assignee_id or "")
    if form.validate_on_submit():
        assignee = (
            db.session.get(StaffUser, int(form.assignee.data)) if form.assignee.data else None
        )
        try:
            assign(domain_context(), found, assignee, actor(), _version(form))
            flash(
                f"The request is assigned to {assignee.full_name}."
                if assignee
                else "Nobody is assigned to the request now."
            )
            return redirect(url_for("staff.request_page", reference=reference))
        except DomainError as error:
            show_error(form, error)
    return render_template(
        "staff/simple_form.html",
        title="Assign this request",
        form=form,
        req=found,
        back_url=url_for("staff.request_page", reference=reference),
        staff_page=True,
    )


@staff.route("/requests/<reference>/identity", methods=["GET", "POST"])
@staff_required("dpo")
def identity(reference):
    found = visible_request_or_404(reference)
    form = forms.IdentityForm()
    if request.method == "GET":
        form.version.data = found.version
    if form.validate_on_submit():
        try:
            record_identity_check(domain_context(), found, actor(), form.how.data, _version(form))
            flash("The identity and authority check is recorded.")
            return redirect(url_for("staff.request_page", reference=reference))
        except DomainError as error:
            show_error(form, error)
    return render_template(
        "staff/simple_form.html",
        title="Record the identity and authority check",
        form=form,
        req=found,
        back_url=url_for("staff.request_page", reference=reference),
        staff_page=True,
    )


@staff.route("/requests/<reference>/tasks/<service>", methods=["GET", "POST"])
@staff_required(*REQUEST_ROLES)
def task(reference, service):
    found = visible_request_or_404(reference)
    task_row = db.session.scalar(
        select(ServiceTask).where(
            ServiceTask.request_id == found.id, ServiceTask.service == service
        )
    )
    if task_row is None:
        abort(404)
    form = forms.TaskForm()
    if form.validate_on_submit():
        try:
            answer_task(domain_context(), task_row, actor(), form.answer.data, form.finding.data)
            flash(
                f"The search answer for {definition().routing.services[service].name} is recorded."
            )
            return redirect(url_for("staff.request_page", reference=reference))
        except DomainError as error:
            show_error(form, error)
    name = definition().routing.services[service].name
    return render_template(
        "staff/simple_form.html",
        title=f"Search task: {name}",
        form=form,
        req=found,
        back_url=url_for("staff.request_page", reference=reference),
        staff_page=True,
    )


@staff.route("/requests/<reference>/files/<int:upload_id>")
@staff_required(*REQUEST_ROLES)
def download(reference, upload_id):
    found = visible_request_or_404(reference)
    upload = db.session.get(Upload, upload_id)
    if upload is None or upload.request_id != found.id:
        abort(404)
    record_staff_download(db.session, found, actor(), upload)
    source = (
        _file_store().path(upload.storage_key) if upload.storage_key else BytesIO(upload.content)
    )
    return send_file(
        source,
        mimetype=upload.content_type,
        as_attachment=True,
        download_name=upload.filename,
        max_age=0,
    )


def _file_store() -> FileStore:
    return FileStore(current_app.config["UPLOAD_STORAGE_DIR"])


@staff.route("/requests/<reference>/evidence/<int:file_id>", methods=["GET", "POST"])
@staff_required(*REQUEST_ROLES)
def evidence_review(reference, file_id):
    found = visible_request_or_404(reference)
    item = db.session.get(EvidenceFile, file_id)
    if item is None or item.submission.request_id != found.id:
        abort(404)
    form = forms.EvidenceReviewForm()
    if request.method == "GET":
        form.version.data = found.version
    if form.validate_on_submit():
        try:
            review_evidence(
                domain_context(),
                found,
                item.id,
                actor(),
                form.decision.data,
                form.reason.data,
                _version(form),
            )
            decided = "accepted" if form.decision.data == "accept" else "rejected"
            flash(f"{item.upload.filename} is {decided}.")
            return redirect(url_for("staff.request_page", reference=reference, _anchor="evidence"))
        except DomainError as error:
            show_error(form, error)
    return render_template(
        "staff/simple_form.html",
        title=f"Check {item.upload.filename}",
        intro=f"Sent on {long_date(item.submission.received_date)} as "
        f"{KIND_LABELS[item.submission.kind]}. Download it from the request page to check it.",
        form=form,
        req=found,
        back_url=url_for("staff.request_page", reference=reference),
        staff_page=True,
    )


@staff.route("/requests/<reference>/pack")
@staff_required(*REQUEST_ROLES)
def pack_page(reference):
    found = visible_request_or_404(reference)
    if found.data_right != "access":
        abort(404)
    wf = definition()
    allowed = _allowed(found)
    days = current_app.config["DELIVERY_DAYS"]
    staff_names = {f"staff:{u.id}": u.full_name for u in db.session.scalars(select(StaffUser))}
    return render_template(
        "staff/pack.html",
        title="Disclosure pack and delivery",
        req=found,
        back_url=url_for("staff.request_page", reference=reference),
        pack=found.pack,
        can_change=pack_rules.can_change(wf, found),
        sign_off=next((t for t in allowed if t.pack == "sign_off"), None),
        delivery=pack_rules.delivery(found.pack, clock().today(), days),
        downloads=pack_rules.download_log(db.session, found),
        reopen_form=forms.ReopenDeliveryForm(version=found.version),
        remove_form=forms.PackChangeForm(version=found.version),
        max_mb=current_app.config["PACK_MAX_MB"],
        staff_names=staff_names,
        harm_outcomes=pack_rules.HARM_OUTCOMES,
        handling=pack_rules.THIRD_PARTY_HANDLING,
        staff_page=True,
    )


@staff.route("/requests/<reference>/pack/files", methods=["GET", "POST"])
@staff_required(*REQUEST_ROLES)
def pack_file_add(reference):
    found = visible_request_or_404(reference)
    if found.data_right != "access":
        abort(404)
    limit = current_app.config["PACK_MAX_MB"] * 1024 * 1024
    used = sum(f.upload.size for f in found.pack.files) if found.pack else 0
    form = forms.PackFileForm()
    form.max_bytes = limit - used
    if request.method == "GET":
        form.version.data = found.version
    if form.validate_on_submit():
        try:
            pack_rules.add_pack_file(
                domain_context(),
                found,
                actor(),
                title=form.title.data,
                stream=form.file.data.stream,
                extension=form.extension,
                filename=form.file.data.filename,
                store=_file_store(),
                max_total_bytes=limit,
                expected_version=_version(form),
            )
            flash(f"“{form.title.data}” was added to the disclosure pack.")
            return redirect(url_for("staff.pack_page", reference=reference))
        except DomainError as error:
            show_error(form, error)
    return render_template(
        "staff/simple_form.html",
        title="Add a file to the disclosure pack",
        intro=f"The pack can hold {current_app.config['PACK_MAX_MB']}MB in total; "
        f"{file_size(max(limit - used, 0))} is left.",
        form=form,
        req=found,
        enctype="multipart/form-data",
        back_url=url_for("staff.pack_page", reference=reference),
        staff_page=True,
    )


@staff.route("/requests/<reference>/pack/files/<int:file_id>/remove", methods=["GET", "POST"])
@staff_required(*REQUEST_ROLES)
def pack_file_remove(reference, file_id):
    found = visible_request_or_404(reference)
    wanted = next((f for f in found.pack.files if f.id == file_id), None) if found.pack else None
    if wanted is None:
        abort(404)
    form = forms.PackChangeForm()
    if request.method == "GET":
        form.version.data = found.version
    if form.validate_on_submit():
        try:
            pack_rules.remove_pack_file(
                domain_context(), found, actor(), file_id, _file_store(), _version(form)
            )
            flash(f"“{wanted.title}” was removed from the disclosure pack.")
            return redirect(url_for("staff.pack_page", reference=reference))
        except DomainError as error:
            show_error(form, error)
    return render_template(
        "staff/simple_form.html",
        title=f"Remove “{wanted.title}” from the pack?",
        intro="A signed-off pack goes back to disclosure review when it changes.",
        form=form,
        req=found,
        back_url=url_for("staff.pack_page", reference=reference),
        staff_page=True,
    )


@staff.route("/requests/<reference>/pack/checklist", methods=["GET", "POST"])
@staff_required(*REQUEST_ROLES)
def pack_checklist(reference):
    found = visible_request_or_404(reference)
    if found.data_right != "access":
        abort(404)
    saved = (found.pack.checklist if found.pack else None) or {}
    initial = forms.checklist_form_data(saved) if request.method == "GET" else None
    form = forms.ChecklistForm(data=initial)
    if request.method == "GET":
        form.version.data = found.version
    if form.validate_on_submit():
        try:
            pack_rules.save_checklist(
                domain_context(), found, actor(), form.checklist_data(), _version(form)
            )
            flash("The disclosure checklist is saved.")
            return redirect(url_for("staff.pack_page", reference=reference))
        except DomainError as error:
            show_error(form, error)
    return render_template(
        "staff/checklist.html",
        title="Disclosure checklist",
        form=form,
        req=found,
        back_url=url_for("staff.pack_page", reference=reference),
        staff_page=True,
    )


@staff.route("/requests/<reference>/pack/delivery", methods=["POST"])
@staff_required(*REQUEST_ROLES)
def pack_reopen_delivery(reference):
    found = visible_request_or_404(reference)
    form = forms.ReopenDeliveryForm()
    if form.validate_on_submit():
        try:
            pack_rules.reopen_delivery(
                db.session,
                found,
                actor(),
                clock().today(),
                current_app.config["DELIVERY_DAYS"],
                _version(form),
            )
        except DomainError as error:
            show_error(form, error)
            return render_template(
                "staff/simple_form.html",
                title="Open downloads again",
                form=form,
                req=found,
                back_url=url_for("staff.pack_page", reference=reference),
                staff_page=True,
            )
        flash("The requester can download the pack again.")
    return redirect(url_for("staff.pack_page", reference=reference))


@staff.route("/requests/<reference>/attention/<int:item_id>", methods=["GET", "POST"])
@staff_required(*REQUEST_ROLES)
def resolve(reference, item_id):
    found = visible_request_or_404(reference)
    item = db.session.get(Attention, item_id)
    if item is None or item.request_id != found.id or item.resolved_at:
        abort(404)
    form = forms.ResolveForm()
    if form.validate_on_submit():
        try:
            resolve_attention(domain_context(), item, found, actor(), form.how.data)
            flash("What you did to reach the requester is recorded.")
            return redirect(url_for("staff.request_page", reference=reference))
        except DomainError as error:
            show_error(form, error)
    return render_template(
        "staff/simple_form.html",
        title="The requester could not be reached",
        intro=item.detail,
        form=form,
        req=found,
        back_url=url_for("staff.request_page", reference=reference),
        staff_page=True,
    )


@staff.route("/complaints/new", methods=["GET", "POST"])
@staff_required("dpo")
def new_complaint():
    form = forms.OfflineComplaintForm()
    if form.validate_on_submit():
        try:
            made = log_offline_complaint(domain_context(), form.data, actor())
            flash(f"Complaint {made.reference} is logged.")
            return redirect(url_for("staff.request_page", reference=made.reference))
        except DomainError as error:
            show_error(form, error)
    return render_template(
        "staff/simple_form.html",
        title="Log a complaint received by letter, phone, email or in person",
        form=form,
        back_url=url_for("staff.queue"),
        staff_page=True,
    )
