"""The requester's side after sending: sign back in with reference + contact + code, see where
the request is, answer our question, withdraw, and download the response."""

import secrets
from io import BytesIO

from flask import (
    abort,
    current_app,
    redirect,
    render_template,
    send_file,
    session,
    url_for,
)

from portal.domain import DomainError, evidence, pack
from portal.domain.actions import apply_action
from portal.domain.complaints import complaint_dates, withdraw_action
from portal.domain.drafts import find_draft
from portal.domain.filestore import FileStore
from portal.domain.tracking import (
    confirm_tracking,
    due_date_changes,
    history,
    latest_question,
    messages_sent,
    notice_statement,
    recipients_told,
    sent_notices,
    start_tracking,
    tracked_request,
)
from portal.domain.verification import CodeResult
from portal.extensions import db, limiter
from portal.forms.errors import show_error
from portal.limits import codes_limit, uploads_limit
from portal.public import forms
from portal.public.public_blueprint import public
from portal.rights import CASE_LABELS, COMPLAINT, asks_for
from portal.runtime import clock, definition, domain_context, draft_keep
from portal.workflow import Actor

REQUESTER = Actor("requester")
CODE_ERRORS = {
    CodeResult.WRONG: "The code is not correct. Check it and try again",
    CodeResult.NO_CODE: "The code is not correct. Check it and try again",
    CodeResult.EXPIRED: "The code has expired. Start again to get a new code",
    CodeResult.TOO_MANY_ATTEMPTS: "You have entered the wrong code too many times. Start again",
}


def _tracking_draft():
    return find_draft(db.session, session.get("track_id"), clock().now(), draft_keep())


def _tracked():
    return tracked_request(db.session, _tracking_draft())


@public.route("/track", methods=["GET", "POST"])
@limiter.limit("10 per minute; 30 per hour", methods=["POST"])
@codes_limit
def track():
    form = forms.TrackForm()
    if form.validate_on_submit():
        try:
            draft = start_tracking(
                db.session,
                definition(),
                form.reference.data,
                (form.channel, form.contact.data),
                clock().now(),
                current_app.config["SECRET_KEY"],
            )
        except DomainError as error:
            show_error(form, error)
        else:
            session["track_id"] = draft.id
            session["track_channel"] = form.channel
            return redirect(url_for("public.track_code"))
    return render_template(
        "public/track.html",
        form=form,
        title="Check or update your request",
        back_url=url_for("public.start"),
    )


@public.route("/track/code", methods=["GET", "POST"])
@limiter.limit("10 per minute; 30 per hour", methods=["POST"])
def track_code():
    draft = _tracking_draft()
    if draft is None:
        return redirect(url_for("public.track"))
    form = forms.ConfirmCodeForm()
    if form.validate_on_submit():
        result = confirm_tracking(
            db.session, draft, form.code.data, clock().now(), current_app.config["SECRET_KEY"]
        )
        if result is CodeResult.OK:
            return redirect(url_for("public.track_status"))
        form.code.errors.append(CODE_ERRORS[result])
    email = session.get("track_channel") == "email"
    return render_template(
        "public/track_code.html",
        form=form,
        title="Check your email" if email else "Check your phone",
        email=email,
        back_url=url_for("public.track"),
    )


def _evidence_form(waiting: str | None) -> forms.EvidenceForm:
    form = forms.EvidenceForm()
    form.question = waiting == evidence.QUESTION
    if not form.submission_key.data:
        form.submission_key.data = secrets.token_urlsafe(24)
    if form.question:
        form.answer.label.text = "Your answer"
        form.files.label.text = "Upload files (optional)"
    else:
        form.answer.label.text = "Anything you want to tell us about the files (optional)"
    return form


def _status_page(found, form=None, status=200):
    wf = definition()
    waiting = evidence.waiting_for(wf, found)
    today = clock().today()
    complaint = found.data_right == COMPLAINT
    return render_template(
        "public/track_status.html",
        title=f"Your {'complaint' if complaint else 'request'} {found.reference}",
        req=found,
        states=wf.states,
        complaint=complaint,
        complaint_dates=complaint_dates(domain_context(), found) if complaint else None,
        state=wf.states[found.state],
        # Worded for who asked ("a copy of your child's information"); a complaint is theirs.
        right=CASE_LABELS[COMPLAINT]
        if found.data_right == COMPLAINT
        else asks_for(found.data_right, found.subject_relation),
        waiting=waiting,
        question=latest_question(db.session, found) if waiting == evidence.QUESTION else None,
        proof_kind=evidence.KIND_LABELS[evidence.proof_asked(db.session, found)]
        if waiting == evidence.PROOF
        else None,
        evidence_form=form or _evidence_form(waiting),
        form=form,
        submissions=found.evidence,
        delivery=pack.delivery(found.pack, today, current_app.config["DELIVERY_DAYS"]),
        pack_files=found.pack.files if found.pack else [],
        can_withdraw=found.state in wf.transitions[withdraw_action(found)].from_states,
        history=history(db.session, wf, found),
        **_told(found),
    ), status


@public.route("/track/request")
def track_status():
    found = _tracked()
    if found is None:
        return redirect(url_for("public.track"))
    return _status_page(found)


def _told(found) -> dict:
    """What we have told the requester: notices, due date changes and, if they asked, who we
    told about a change to their data."""
    return {
        "notices": sent_notices(found),
        "due_date_changes": due_date_changes(found),
        "recipients_told": recipients_told(found),
        "messages_sent": messages_sent(db.session, definition(), found),
    }


@public.route("/track/request/answer", methods=["POST"])
@limiter.limit("10 per minute; 60 per hour")
@uploads_limit
def track_answer():
    """Proof or an answer, with up to 10 files, from the tracking page."""
    found = _tracked()
    if found is None:
        return redirect(url_for("public.track"))
    waiting = evidence.waiting_for(definition(), found)
    form = _evidence_form(waiting)
    if waiting is None and not evidence.already_stored(db.session, form.submission_key.data):
        # A page left open after we stopped waiting: nothing to store; show where things are.
        return redirect(url_for("public.track_status"))
    if form.validate_on_submit():
        key = form.submission_key.data or ""
        if not (16 <= len(key) <= 64 and key.replace("-", "").replace("_", "").isalnum()):
            key = secrets.token_urlsafe(24)
        try:
            evidence.submit_evidence(
                domain_context(),
                found,
                submission_key=key,
                answer=form.answer.data,
                files=form.checked_files,
            )
            sent = "answered" if waiting == evidence.QUESTION else "sent"
            return redirect(url_for("public.track_status", **{sent: 1}))
        except DomainError as error:
            show_error(form, error)
    return _status_page(found, form)


@public.route("/track/request/withdraw", methods=["GET", "POST"])
def track_withdraw():
    found = _tracked()
    if found is None:
        return redirect(url_for("public.track"))
    complaint = found.data_right == COMPLAINT
    form = forms.WithdrawComplaintForm() if complaint else forms.WithdrawForm()
    if form.validate_on_submit():
        try:
            apply_action(domain_context(), found, withdraw_action(found), REQUESTER)
            return redirect(url_for("public.track_status"))
        except DomainError as error:
            show_error(form, error)
    return render_template(
        "public/track_withdraw.html",
        form=form,
        title=f"Are you sure you want to withdraw your {'complaint' if complaint else 'request'}?",
        req=found,
        back_url=url_for("public.track_status"),
    )


@public.route("/track/request/files/<int:file_id>")
def track_file(file_id):
    """One file of the response, while downloads are open. Another request's file, or a
    closed window, is not found."""
    found = _tracked()
    if found is None:
        return redirect(url_for("public.track"))
    wanted = pack.file_for_download(
        found, file_id, clock().today(), current_app.config["DELIVERY_DAYS"]
    )
    if wanted is None:
        abort(404)
    upload = wanted.upload
    pack.record_download(db.session, found, wanted, clock().now())
    source = (
        FileStore(current_app.config["UPLOAD_STORAGE_DIR"]).path(upload.storage_key)
        if upload.storage_key
        else BytesIO(upload.content)
    )
    return send_file(
        source,
        mimetype=upload.content_type,
        as_attachment=True,
        download_name=upload.filename,
        max_age=0,
    )


@public.route("/track/request/notices/<int:notice_id>/statement")
def track_statement(notice_id):
    found = _tracked()
    if found is None:
        return redirect(url_for("public.track"))
    notice = notice_statement(found, notice_id)
    if notice is None:
        abort(404)
    return send_file(
        BytesIO(notice.statement_pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"statement-{found.reference}.pdf",
    )
