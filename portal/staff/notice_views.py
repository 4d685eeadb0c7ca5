"""Outcome notices on the staff side: choose the outcome, write the notice, preview it on each
of the requester's channels, send it; print and record posted letters; Art 19 recipient tasks.
Thin: parse the form, call one domain function, render or redirect."""

from io import BytesIO

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from sqlalchemy import select

from portal.domain import DomainError
from portal.domain.notices import (
    check_notice_allowed,
    complete_recipient_task,
    draft_notice,
    draft_of,
    letter_for,
    notice_choices,
    previews,
    recipient_names,
    record_letter_posted,
    send_notice,
)
from portal.extensions import db
from portal.forms.errors import show_error
from portal.models import Notice, RecipientTask
from portal.numbers import whole_number
from portal.runtime import definition, domain_context
from portal.staff import forms
from portal.staff.access import REQUEST_ROLES, actor, staff_required, visible_request_or_404
from portal.staff.staff_blueprint import staff

# Refusing a request ends it for good: said before the notice is written and again beside the
# button that sends it.
DESTRUCTIVE_WARNING = "Sending this notice ends the request and cannot be undone."


def _version(form) -> int:
    return whole_number(form.version.data, -1)


def _notice_transition(found, action):
    """The notice action, or 404 when this person may not take it on this request now."""
    transition = definition().transitions.get(action)
    if transition is None or not transition.notice:
        abort(404)
    try:
        check_notice_allowed(domain_context(), found, action, actor())
    except DomainError:
        abort(404)
    return transition


def _back(found):
    return url_for("staff.request_page", reference=found.reference)


@staff.route("/requests/<reference>/notices/<action>", methods=["GET", "POST"])
@staff_required(*REQUEST_ROLES)
def choose_notice(reference, action):
    found = visible_request_or_404(reference)
    transition = _notice_transition(found, action)
    choices = notice_choices(definition(), found, action)
    if len(choices) == 1:
        return redirect(
            url_for("staff.write_notice", reference=reference, action=action, key=choices[0].key)
        )
    form = forms.ChooseNoticeForm()
    form.notice.choices = [(n.key, n.title) for n in choices]
    if request.method == "GET":
        form.version.data = found.version
    if form.validate_on_submit():
        return redirect(
            url_for("staff.write_notice", reference=reference, action=action, key=form.notice.data)
        )
    return render_template(
        "staff/simple_form.html",
        title=transition.label,
        form=form,
        req=found,
        back_url=_back(found),
        staff_page=True,
    )


@staff.route("/requests/<reference>/notices/<action>/<key>", methods=["GET", "POST"])
@staff_required(*REQUEST_ROLES)
def write_notice(reference, action, key):
    found = visible_request_or_404(reference)
    transition = _notice_transition(found, action)
    template = next((n for n in notice_choices(definition(), found, action) if n.key == key), None)
    if template is None:
        abort(404)
    statement = (found.answers or {}).get("rectification-correct", {}).get("correction", "")
    form = forms.notice_form(template, recipient_names(), statement)
    if request.method == "GET":
        form.version.data = found.version
        # Back from the preview: show what was written.
        draft = next(
            (n for n in found.notices if n.status == "draft" and n.notice_key == key), None
        )
        for name in template.fields if draft else ():
            value = draft.inputs.get(name)
            form[name].data = (value or [forms.NOBODY]) if name == "recipients" else value
    if form.validate_on_submit():
        inputs = {name: form[name].data for name in template.fields}
        if "recipients" in inputs:
            inputs["recipients"] = [r for r in inputs["recipients"] if r != forms.NOBODY]
        try:
            notice = draft_notice(
                domain_context(), found, actor(), action, key, inputs, _version(form)
            )
        except DomainError as error:
            show_error(form, error)
        else:
            return redirect(
                url_for("staff.preview_notice", reference=reference, notice_id=notice.id)
            )
    return render_template(
        "staff/simple_form.html",
        title=template.title,
        intro=f"{transition.label}. You will see the notice as the requester will get it "
        "before you send it.",
        warning=DESTRUCTIVE_WARNING if transition.destructive else None,
        form=form,
        req=found,
        back_url=_back(found),
        staff_page=True,
    )


@staff.route("/requests/<reference>/notice/<int:notice_id>", methods=["GET", "POST"])
@staff_required(*REQUEST_ROLES)
def preview_notice(reference, notice_id):
    found = visible_request_or_404(reference)
    notice = draft_of(found, notice_id)
    if notice is None:
        abort(404)
    form = forms.SendNoticeForm()
    if request.method == "GET":
        form.version.data = found.version
    if form.validate_on_submit():
        try:
            send_notice(domain_context(), found, notice_id, actor(), _version(form))
            flash(f"“{notice.title}” was sent to the requester.")
            return redirect(url_for("staff.request_page", reference=reference))
        except DomainError as error:
            show_error(form, error)
    return render_template(
        "staff/notice_preview.html",
        title="Check the notice before sending it",
        form=form,
        req=found,
        notice=notice,
        channels=previews(definition(), found, notice),
        warning=DESTRUCTIVE_WARNING
        if definition().transitions[notice.action].destructive
        else None,
        letters_sent_by_notify=domain_context().settings.notify_letters,
        back_url=url_for(
            "staff.write_notice", reference=reference, action=notice.action, key=notice.notice_key
        ),
        staff_page=True,
    )


def _notice_or_404(found, notice_id) -> Notice:
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.request_id != found.id:
        abort(404)
    return notice


def _pdf(content: bytes, name: str):
    return send_file(
        BytesIO(content), mimetype="application/pdf", as_attachment=True, download_name=name
    )


@staff.route("/requests/<reference>/notice/<int:notice_id>/letter.pdf")
@staff_required(*REQUEST_ROLES)
def notice_letter(reference, notice_id):
    """The letter to print (a sent notice's letter) or, for a draft, the letter it will be."""
    found = visible_request_or_404(reference)
    notice = _notice_or_404(found, notice_id)
    content = notice.letter_pdf or letter_for(found, notice, domain_context().today())
    if content is None:
        abort(404)
    return _pdf(content, f"letter-{found.reference}-{notice.id}.pdf")


@staff.route("/requests/<reference>/notice/<int:notice_id>/statement.pdf")
@staff_required(*REQUEST_ROLES)
def notice_statement(reference, notice_id):
    found = visible_request_or_404(reference)
    notice = _notice_or_404(found, notice_id)
    if not notice.statement_pdf:
        abort(404)
    return _pdf(notice.statement_pdf, f"statement-{found.reference}.pdf")


@staff.route("/requests/<reference>/notice/<int:notice_id>/posted", methods=["GET", "POST"])
@staff_required(*REQUEST_ROLES)
def letter_posted(reference, notice_id):
    found = visible_request_or_404(reference)
    notice = _notice_or_404(found, notice_id)
    if notice.letter_status != "to_post":
        abort(404)
    form = forms.LetterPostedForm()
    if form.validate_on_submit():
        try:
            record_letter_posted(domain_context(), found, notice, actor(), form.posted_on.data)
            flash(f"The letter ({notice.title}) is recorded as posted.")
            return redirect(_back(found))
        except DomainError as error:
            show_error(form, error)
    return render_template(
        "staff/simple_form.html",
        title="Record the letter as posted",
        intro=f"Print the letter ({notice.title}) and post it to the requester, then record "
        "the date you posted it.",
        form=form,
        req=found,
        back_url=_back(found),
        staff_page=True,
    )


@staff.route("/requests/<reference>/recipients/<int:task_id>", methods=["GET", "POST"])
@staff_required(*REQUEST_ROLES)
def recipient_told(reference, task_id):
    found = visible_request_or_404(reference)
    task = db.session.scalar(
        select(RecipientTask).where(
            RecipientTask.id == task_id, RecipientTask.request_id == found.id
        )
    )
    if task is None or task.status != "open":
        abort(404)
    form = forms.RecipientToldForm()
    if form.validate_on_submit():
        try:
            complete_recipient_task(domain_context(), found, task, actor(), form.how.data)
            flash(f"Telling {task.recipient} is recorded.")
            return redirect(_back(found))
        except DomainError as error:
            show_error(form, error)
    return render_template(
        "staff/simple_form.html",
        title=f"Tell {task.recipient}",
        intro="Tell them about the change to the requester's data (UK GDPR Article 19), then "
        "record how you did it.",
        form=form,
        req=found,
        back_url=_back(found),
        staff_page=True,
    )
