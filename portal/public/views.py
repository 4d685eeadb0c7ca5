"""The resident's pages. Thin: parse the form, call one domain function, render or redirect."""

from datetime import date

from flask import abort, current_app, redirect, render_template, request, session, url_for
from sqlalchemy import select

from portal.content import privacy_notice
from portal.domain import DomainError
from portal.domain.drafts import find_draft, new_draft, save_answers
from portal.domain.outbox import requester_recipients
from portal.domain.requests import submit_request
from portal.domain.verification import latest_code
from portal.extensions import db, limiter
from portal.forms.errors import show_error
from portal.limits import codes_limit, start_limit, uploads_limit
from portal.models import CapturedMessage, DataRequest
from portal.notify.configured import capturing
from portal.public import forms
from portal.public.contact_codes import code_accepted, send_confirmation_code
from portal.public.public_blueprint import public
from portal.public.summary import masked_recipients, summary_rows
from portal.questions import forms as question_forms
from portal.questions import journey
from portal.rights import asks_for
from portal.runtime import clock, definition, domain_context, draft_keep, scanner


def _draft():
    return find_draft(db.session, session.get("draft_id"), clock().now(), draft_keep())


def _step_url(step, change=False):
    return url_for("public.question", step_name=step.name, change=1 if change else None)


@public.route("/")
def start():
    return render_template("public/start.html", title=current_app.config["SERVICE_NAME"])


@public.route("/request/start")
@start_limit
def begin():
    draft = _draft()
    if draft is None or draft.request_id:
        draft = new_draft(db.session, clock().now())
        session.clear()
        session["draft_id"] = draft.id
        session.permanent = True
    step = journey.first_unanswered(draft.answers, clock().today())
    return redirect(_step_url(step) if step else url_for("public.check"))


def _session_ended():
    return render_template("public/session_ended.html", title="Your session has ended"), 400


def _form_data(form) -> dict:
    if isinstance(form, question_forms.ContactForm):
        return form.answers()
    skip = {"submit", "csrf_token", "upload"}
    return {
        name: (field.data.isoformat() if isinstance(field.data, date) else field.data)
        for name, field in form._fields.items()
        if name not in skip
    }


@public.route("/request/<step_name>", methods=["GET", "POST"])
@uploads_limit
@codes_limit
def question(step_name):
    step = journey.BY_NAME.get(step_name) or abort(404)
    draft = _draft()
    if draft is None:
        return _session_ended()
    if draft.request_id:
        return redirect(url_for("public.confirmation"))
    today, answers, change = clock().today(), draft.answers or {}, bool(request.args.get("change"))
    names = [s.name for s in journey.applicable(answers, today)]
    first = journey.first_unanswered(answers, today)
    if step.name not in names or (first and names.index(first.name) < names.index(step.name)):
        return redirect(_step_url(first) if first else url_for("public.check"))

    form = journey.build_form(step, answers)
    if form.validate_on_submit():
        upload = None
        if isinstance(form, question_forms.UploadForm) and form.checked_upload:
            content, extension = form.checked_upload
            upload = (
                content,
                extension,
                form.upload.data.filename,
                journey.UPLOAD_PURPOSES[step.name],
            )
        try:
            stored = save_answers(
                db.session, draft, step.name, _form_data(form), clock().now(), upload,
                scanner=scanner(),
            )  # fmt: skip
            return _after_answer(draft, stored, step, change)
        except DomainError as error:
            show_error(form, error)

    previous = journey.previous_step(answers, step.name, today)
    back = (
        url_for("public.check")
        if change
        else (_step_url(previous) if previous else url_for("public.start"))
    )
    return render_template(
        step.template,
        form=form,
        step=step,
        title=step.title(answers),
        back_url=back,
        words=journey.about(answers),
        who=journey.who(answers),
        answers=answers,
        enctype="multipart/form-data" if isinstance(form, question_forms.UploadForm) else None,
    )


def _after_answer(draft, answers, step, change):
    today = clock().today()
    if step.name == journey.CONTACT_PAGE:
        destination = journey.contact_destination(answers)
        if draft.verified_contact != destination[1]:
            return _send_code_and_confirm(draft, destination, change)
    if change:
        pending = journey.first_unanswered(answers, today)
        return redirect(_step_url(pending, change=True) if pending else url_for("public.check"))
    following = journey.next_step(answers, step.name, today)
    return redirect(_step_url(following) if following else url_for("public.check"))


def _send_code_and_confirm(draft, destination, change):
    send_confirmation_code(draft, destination)
    return redirect(url_for("public.confirm_contact", change=1 if change else None))


@public.route("/request/confirm-contact", methods=["GET", "POST"])
@limiter.limit("10 per minute; 30 per hour", methods=["POST"])
def confirm_contact():
    draft = _draft()
    if draft is None:
        return _session_ended()
    destination = journey.contact_destination(draft.answers or {})
    if destination is None:
        return redirect(url_for("public.begin"))
    change = bool(request.args.get("change"))
    if draft.verified_contact == destination[1]:
        return redirect(url_for("public.check"))
    form = forms.ConfirmCodeForm()
    if code_accepted(draft, form):
        return redirect(url_for("public.check"))
    code = latest_code(db.session, draft)
    return render_template(
        "public/confirm_contact.html",
        form=form,
        resend_form=forms.ResendCodeForm(),
        title="Check your email" if destination[0] == "email" else "Check your phone",
        channel=destination[0],
        destination=destination[1],
        code_sent=code is not None,
        code_error=session.pop("code_error", None),
        back_url=url_for(
            "public.question", step_name=journey.CONTACT_PAGE, change=1 if change else None
        ),
    )


@public.route("/request/confirm-contact/resend", methods=["POST"])
@limiter.limit("3 per minute; 10 per hour")
@codes_limit
def resend_code():
    draft = _draft()
    if draft is None:
        return _session_ended()
    destination = journey.contact_destination(draft.answers or {})
    if forms.ResendCodeForm().validate_on_submit() and destination:
        return _send_code_and_confirm(draft, destination, False)
    return redirect(url_for("public.confirm_contact"))


@public.route("/request/check", methods=["GET", "POST"])
def check():
    draft = _draft()
    if draft is None:
        return _session_ended()
    if draft.request_id:
        return redirect(url_for("public.confirmation"))
    today, answers = clock().today(), draft.answers or {}
    pending = journey.first_unanswered(answers, today)
    if pending:
        return redirect(_step_url(pending))
    destination = journey.contact_destination(answers)
    if draft.verified_contact != destination[1]:
        return redirect(url_for("public.confirm_contact"))
    form = forms.DeclarationForm()
    if form.validate_on_submit():
        try:
            submit_request(domain_context(), draft, journey.answers_in_use(answers, today))
        except DomainError:
            return redirect(url_for("public.begin"))
        return redirect(url_for("public.confirmation"))
    return render_template(
        "public/check.html",
        form=form,
        title="Check your answers before sending your request",
        sections=summary_rows(answers, today),
        back_url=_step_url(journey.applicable(answers, today)[-1]),
    )


@public.route("/request/confirmation")
def confirmation():
    draft = _draft()
    if draft is None or not draft.request_id:
        return redirect(url_for("public.start"))
    data_request = db.session.get(DataRequest, draft.request_id)
    return render_template(
        "public/confirmation.html",
        title="Request sent",
        data_request=data_request,
        right_label=asks_for(data_request.data_right, data_request.subject_relation),
        state=definition().states[data_request.state],
        sent_to=masked_recipients(requester_recipients(data_request)),
        contact_by=(data_request.person("requester") or data_request.person("subject")).contact_by,
    )


@public.route("/request/confirmation/answers")
def confirmation_answers():
    """The answers as the check page showed them, to print or save as PDF from the browser:
    shown only to the session that sent them, never sent by email or text."""
    draft = _draft()
    if draft is None or not draft.request_id:
        return redirect(url_for("public.start"))
    data_request = db.session.get(DataRequest, draft.request_id)
    answers = draft.answers or {}
    return render_template(
        "public/confirmation_answers.html",
        title=f"Your request {data_request.reference}",
        data_request=data_request,
        sections=summary_rows(answers, data_request.received_date, changeable=False),
        back_url=url_for("public.confirmation"),
    )


@public.route("/privacy")
def privacy():
    notice = privacy_notice()
    return render_template(
        "public/privacy.html",
        title=f"{notice['service']}: privacy notice",
        notice=notice,
        # The portal's own retention, from the schedule the worker applies.
        portal_retention=current_app.extensions["retention"],
    )


@public.route("/accessibility")
def accessibility():
    title = f"Accessibility statement for {current_app.config['SERVICE_NAME']}"
    return render_template("public/accessibility.html", title=title)


@public.route("/cookies")
def cookies():
    return render_template("public/cookies.html", title="Cookies")


@public.route("/contact")
def contact():
    return render_template("public/contact.html", title="Contact us")


@public.route("/_dev/messages")
def captured_messages():
    """What residents would have been sent, while no Notify API key is set (never in production)."""
    if not capturing() or current_app.config["PRODUCTION"]:
        abort(404)
    # Newest first by when the portal queued them, not by when the worker got to them: a code
    # asked for now is at the top even when the worker captured an older backlog after it
    # (codes are sent first).
    messages = db.session.scalars(
        select(CapturedMessage).order_by(CapturedMessage.outbox_id.desc()).limit(100)
    ).all()
    return render_template(
        "public/dev_messages.html", title="Messages captured locally", messages=messages
    )
