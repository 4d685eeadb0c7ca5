"""The requester's side after sending: sign back in with reference + contact + code, see where
the request is, answer our question, withdraw, and download the response."""

from io import BytesIO

from flask import abort, current_app, redirect, render_template, send_file, session, url_for

from portal.deadlines.calendar import now_utc, received_date
from portal.domain import DomainError
from portal.domain.actions import apply_action
from portal.domain.drafts import find_draft
from portal.domain.tracking import (
    confirm_tracking,
    latest_question,
    record_response_download,
    response_file,
    start_tracking,
    tracked_request,
)
from portal.domain.verification import CodeResult
from portal.extensions import db, limiter
from portal.forms.errors import show_error
from portal.public import forms
from portal.public.public_blueprint import public
from portal.rights import RIGHT_LABELS
from portal.runtime import definition, working_calendar
from portal.workflow import Actor

REQUESTER = Actor("requester")
CODE_ERRORS = {
    CodeResult.WRONG: "The code is not correct. Check it and try again",
    CodeResult.NO_CODE: "The code is not correct. Check it and try again",
    CodeResult.EXPIRED: "The code has expired. Start again to get a new code",
    CodeResult.TOO_MANY_ATTEMPTS: "You have entered the wrong code too many times. Start again",
}


def _tracking_draft():
    return find_draft(db.session, session.get("track_id"), now_utc())


def _tracked():
    return tracked_request(db.session, _tracking_draft())


@public.route("/track", methods=["GET", "POST"])
@limiter.limit("10 per minute; 30 per hour", methods=["POST"])
def track():
    form = forms.TrackForm()
    if form.validate_on_submit():
        try:
            draft = start_tracking(
                db.session,
                definition(),
                form.reference.data,
                (form.channel, form.contact.data),
                now_utc(),
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
            db.session, draft, form.code.data, now_utc(), current_app.config["SECRET_KEY"]
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


@public.route("/track/request")
def track_status():
    found = _tracked()
    if found is None:
        return redirect(url_for("public.track"))
    state = definition().states[found.state]
    return render_template(
        "public/track_status.html",
        title=f"Your request {found.reference}",
        req=found,
        state=state,
        right=RIGHT_LABELS[found.data_right],
        question=latest_question(db.session, found)
        if found.state == "awaiting_clarification"
        else None,
        answer_form=forms.AnswerQuestionForm(),
        response=response_file(found),
        can_withdraw=found.state in definition().transitions["withdraw"].from_states,
    )


@public.route("/track/request/answer", methods=["POST"])
def track_answer():
    found = _tracked()
    if found is None:
        return redirect(url_for("public.track"))
    form = forms.AnswerQuestionForm()
    if form.validate_on_submit():
        try:
            apply_action(
                db.session,
                definition(),
                found,
                "clarification_received",
                REQUESTER,
                received_date(now_utc()),
                working_calendar(),
                {"answer": form.answer.data},
            )
            return redirect(url_for("public.track_status", answered=1))
        except DomainError as error:
            show_error(form, error)
    return render_template(
        "public/track_status.html",
        title=f"Your request {found.reference}",
        req=found,
        state=definition().states[found.state],
        right=RIGHT_LABELS[found.data_right],
        question=latest_question(db.session, found),
        answer_form=form,
        form=form,
        response=None,
        can_withdraw=False,
    )


@public.route("/track/request/withdraw", methods=["GET", "POST"])
def track_withdraw():
    found = _tracked()
    if found is None:
        return redirect(url_for("public.track"))
    form = forms.WithdrawForm()
    if form.validate_on_submit():
        try:
            apply_action(
                db.session,
                definition(),
                found,
                "withdraw",
                REQUESTER,
                received_date(now_utc()),
                working_calendar(),
            )
            return redirect(url_for("public.track_status"))
        except DomainError as error:
            show_error(form, error)
    return render_template(
        "public/track_withdraw.html",
        form=form,
        title="Are you sure you want to withdraw your request?",
        req=found,
        back_url=url_for("public.track_status"),
    )


@public.route("/track/request/response")
def track_response():
    found = _tracked()
    if found is None:
        return redirect(url_for("public.track"))
    upload = response_file(found)
    if upload is None:
        abort(404)
    record_response_download(db.session, found, upload)
    return send_file(
        BytesIO(upload.content),
        mimetype=upload.content_type,
        as_attachment=True,
        download_name=upload.filename,
    )
