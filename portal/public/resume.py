"""Save and come back later: save a half-finished request and get a way back (a single-use
link by email, or a code to the email or mobile given), then carry on within the retention
schedule's period for unsent answers."""

from datetime import datetime

from flask import current_app, redirect, render_template, request, session, url_for

from portal.deadlines import received_date
from portal.domain import DomainError
from portal.domain.answers import contact
from portal.domain.drafts import find_draft
from portal.domain.resume import (
    confirm_resume,
    draft_for_link,
    resume_by_link,
    save_for_later,
    start_resume,
)
from portal.domain.verification import CodeResult
from portal.extensions import db, limiter
from portal.forms.errors import show_error
from portal.limits import codes_limit
from portal.public import forms
from portal.public.public_blueprint import public
from portal.public.summary import mask_email, mask_mobile
from portal.questions import journey
from portal.runtime import clock, definition, draft_keep

CODE_ERRORS = {
    CodeResult.WRONG: "The code is not correct. Check it and try again",
    CodeResult.NO_CODE: "The code is not correct. Check it and try again",
    CodeResult.EXPIRED: "The code has expired. Ask for a new code",
    CodeResult.TOO_MANY_ATTEMPTS: "You have entered the wrong code too many times. "
    "Ask for a new code",
}


def _draft(key="draft_id"):
    return find_draft(db.session, session.get(key), clock().now(), draft_keep())


def _carry_on(draft):
    """A fresh session holding only this draft (nothing from before comes with it), then the
    first question not yet answered, or the check page."""
    session.clear()
    session["draft_id"] = draft.id
    step = journey.first_unanswered(draft.answers or {}, clock().today())
    if step is None:
        return redirect(url_for("public.check"))
    return redirect(url_for("public.question", step_name=step.name))


def _known_contact(draft) -> str | None:
    """The contact the resident already gave (confirmed first), to fill the box in."""
    details = contact(draft.answers or {})
    return draft.verified_contact or details.get("email") or details.get("mobile")


@public.route("/request/save", methods=["GET", "POST"])
@codes_limit
def save_for_later_page():
    draft = _draft()
    if draft is None:
        return render_template("public/session_ended.html", title="Your session has ended"), 400
    if draft.request_id:
        return redirect(url_for("public.confirmation"))
    form = forms.SaveForLaterForm()
    if request.method == "GET" and not form.contact.data:
        form.contact.data = _known_contact(draft)
    if form.validate_on_submit():
        try:
            until = save_for_later(
                db.session,
                definition(),
                draft,
                (form.channel, form.contact.data),
                clock().now(),
                draft_keep(),
                current_app.config["SECRET_KEY"],
                lambda token: url_for("public.resume_link", token=token, _external=True),
            )
        except DomainError as error:
            show_error(form, error)
        else:
            # Saving is leaving: the session ends, so the next person at this device cannot
            # carry on; only the masked contact and the date are kept to say what happened.
            shown = mask_email if form.channel == "email" else mask_mobile
            session.clear()
            session["saved"] = {
                "channel": form.channel,
                "shown": shown(form.contact.data),
                "until": until.isoformat(),
            }
            return redirect(url_for("public.saved"))
    return render_template(
        "public/save.html",
        form=form,
        title="Save your answers and come back later",
        back_url=url_for("public.begin"),
    )


@public.route("/request/saved")
def saved():
    saved = session.get("saved")
    if not saved:
        return redirect(url_for("public.start"))
    return render_template(
        "public/saved.html",
        title="Your answers are saved",
        saved=saved,
        until=received_date(datetime.fromisoformat(saved["until"])),
    )


@public.route("/request/resume/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute; 30 per hour")
def resume_link(token):
    """The emailed link. Opening it only asks; the button spends it (a mail scanner that opens
    links must not use it up)."""
    form = forms.ContinueForm()
    if form.validate_on_submit():
        draft = resume_by_link(db.session, token, clock().now(), draft_keep())
        if draft is not None:
            return _carry_on(draft)
    elif draft_for_link(db.session, token, clock().now(), draft_keep()) is not None:
        return render_template(
            "public/resume_link.html", form=form, title="Carry on with your request"
        )
    return render_template(
        "public/resume_link_used.html", title="This link has expired or has been used"
    ), 404


@public.route("/request/resume", methods=["GET", "POST"])
@limiter.limit("10 per minute; 30 per hour", methods=["POST"])
@codes_limit
def resume():
    form = forms.ResumeForm()
    if form.validate_on_submit():
        draft = start_resume(
            db.session,
            definition(),
            (form.channel, form.contact.data),
            clock().now(),
            draft_keep(),
            current_app.config["SECRET_KEY"],
        )
        session.clear()
        session["resume_id"] = draft.id
        session["resume_channel"] = form.channel
        return redirect(url_for("public.resume_code"))
    return render_template(
        "public/resume.html",
        form=form,
        title="Carry on with a saved request",
        back_url=url_for("public.start"),
    )


@public.route("/request/resume/code", methods=["GET", "POST"])
@limiter.limit("10 per minute; 30 per hour", methods=["POST"])
def resume_code():
    draft = _draft("resume_id")
    if draft is None:
        return redirect(url_for("public.resume"))
    form = forms.ConfirmCodeForm()
    if form.validate_on_submit():
        result = confirm_resume(
            db.session,
            draft,
            form.code.data,
            clock().now(),
            draft_keep(),
            current_app.config["SECRET_KEY"],
        )
        if result is CodeResult.OK:
            return _carry_on(draft)
        form.code.errors.append(CODE_ERRORS[result])
    email = session.get("resume_channel") == "email"
    return render_template(
        "public/resume_code.html",
        form=form,
        title="Check your email" if email else "Check your phone",
        email=email,
        back_url=url_for("public.resume"),
    )
