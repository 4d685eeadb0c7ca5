"""The complaint journey (Data Protection Act 2018 s.164A): what it is about, what happened and
what the complainant wants, their contact details confirmed with a one-time code as in the
request journey, check and send. Thin: parse the form, call one domain function, render or
redirect."""

from types import SimpleNamespace

from flask import abort, redirect, render_template, request, session, url_for

from portal.domain import DomainError
from portal.domain.complaints import (
    PAGES,
    code_destination,
    complaint_dates,
    new_complaint_draft,
    online_details,
    submit_complaint,
)
from portal.domain.drafts import find_draft, save_answers
from portal.domain.tracking import tracked_request
from portal.domain.verification import latest_code
from portal.extensions import db, limiter
from portal.limits import codes_limit, start_limit
from portal.models import DataRequest
from portal.public import forms
from portal.public.contact_codes import code_accepted, send_confirmation_code
from portal.public.public_blueprint import public
from portal.rights import COMPLAINT_ABOUT
from portal.runtime import clock, domain_context, draft_keep, scanner

SESSION_KEY = "complaint_id"
PAGE_FORMS = {
    "complaint-about": (forms.ComplaintAboutForm, "What is your complaint about?"),
    "complaint-details": (forms.ComplaintDetailsForm, "Tell us about your complaint"),
    "complaint-contact": (forms.ComplaintContactForm, "Your contact details"),
}


def _draft():
    return find_draft(db.session, session.get(SESSION_KEY), clock().now(), draft_keep())


def _page_url(name):
    return url_for("public.complaint_page", page=name)


def _first_unanswered(answers):
    return next((name for name in PAGES if name not in answers), None)


@public.route("/complaint")
def complaint_start():
    return render_template("public/complaint_start.html", title="Make a complaint")


@public.route("/complaint/begin")
@start_limit
def complaint_begin():
    """A new complaint. From the tracking page (`about=tracked`), the request the resident has
    signed in to is named on the form for them; nothing about it goes in the URL."""
    tracked = None
    if request.args.get("about") == "tracked":
        tracking = find_draft(db.session, session.get("track_id"), clock().now(), draft_keep())
        tracked = tracked_request(db.session, tracking)
    draft = new_complaint_draft(db.session, clock().now(), tracked)
    session[SESSION_KEY] = draft.id
    return redirect(_page_url(PAGES[0]))


@public.route("/complaint/<page>", methods=["GET", "POST"])
def complaint_page(page):
    if page not in PAGE_FORMS:
        abort(404)
    draft = _draft()
    if draft is None:
        return render_template("public/session_ended.html", title="Your session has ended"), 400
    if draft.request_id:
        return redirect(url_for("public.complaint_sent"))
    answers = draft.answers or {}
    first = _first_unanswered(answers)
    if first and PAGES.index(first) < PAGES.index(page):
        return redirect(_page_url(first))
    form_class, title = PAGE_FORMS[page]
    form = form_class(data=answers.get(page)) if request.method == "GET" else form_class()
    if form.validate_on_submit():
        data = {n: f.data for n, f in form._fields.items() if n not in ("submit", "csrf_token")}
        stored = save_answers(db.session, draft, page, data, clock().now(), scanner=scanner())
        following = _first_unanswered(stored) if not request.args.get("change") else None
        if page == PAGES[-1] or following is None:
            return redirect(url_for("public.complaint_check"))
        return redirect(_page_url(following))
    index = PAGES.index(page)
    back = _page_url(PAGES[index - 1]) if index else url_for("public.complaint_start")
    return render_template(
        "public/question.html",
        form=form,
        step=SimpleNamespace(name=page),
        title=title,
        back_url=url_for("public.complaint_check") if request.args.get("change") else back,
    )


def _send_code(draft, destination):
    send_confirmation_code(draft, destination)
    return redirect(url_for("public.complaint_confirm"))


@public.route("/complaint/confirm", methods=["GET", "POST"])
@limiter.limit("10 per minute; 30 per hour", methods=["POST"])
def complaint_confirm():
    draft = _draft()
    if draft is None:
        return render_template("public/session_ended.html", title="Your session has ended"), 400
    destination = code_destination(draft.answers or {})
    if destination is None:
        return redirect(_page_url(PAGES[-1]))
    if draft.verified_contact == destination[1]:
        return redirect(url_for("public.complaint_check"))
    form = forms.ConfirmCodeForm()
    if code_accepted(draft, form):
        return redirect(url_for("public.complaint_check"))
    return render_template(
        "public/confirm_contact.html",
        form=form,
        resend_form=forms.ResendCodeForm(),
        title="Check your email" if destination[0] == "email" else "Check your phone",
        channel=destination[0],
        destination=destination[1],
        code_sent=latest_code(db.session, draft) is not None,
        code_error=session.pop("code_error", None),
        resend_url=url_for("public.complaint_resend_code"),
        change_url=url_for("public.complaint_page", page="complaint-contact", change=1),
        back_url=_page_url(PAGES[-1]),
    )


@public.route("/complaint/confirm/resend", methods=["POST"])
@limiter.limit("3 per minute; 10 per hour")
@codes_limit
def complaint_resend_code():
    draft = _draft()
    if draft is None:
        return render_template("public/session_ended.html", title="Your session has ended"), 400
    destination = code_destination(draft.answers or {})
    if forms.ResendCodeForm().validate_on_submit() and destination:
        return _send_code(draft, destination)
    return redirect(url_for("public.complaint_confirm"))


@public.route("/complaint/check", methods=["GET", "POST"])
@codes_limit
def complaint_check():
    draft = _draft()
    if draft is None:
        return render_template("public/session_ended.html", title="Your session has ended"), 400
    if draft.request_id:
        return redirect(url_for("public.complaint_sent"))
    answers = draft.answers or {}
    first = _first_unanswered(answers)
    if first:
        return redirect(_page_url(first))
    destination = code_destination(answers)
    if draft.verified_contact != destination[1]:
        return _send_code(draft, destination)
    form = forms.SendComplaintForm()
    if form.validate_on_submit():
        try:
            submit_complaint(domain_context(), draft)
        except DomainError:
            return redirect(url_for("public.complaint_begin"))
        return redirect(url_for("public.complaint_sent"))
    details = online_details(answers)

    def row(key, value, page):
        return {
            "key": key,
            "value": value or "Not given",
            "href": url_for("public.complaint_page", page=page, change=1),
        }

    rows = [
        row("What it is about", COMPLAINT_ABOUT.get(details.get("about")), "complaint-about"),
        row("Request reference", details.get("request_reference"), "complaint-about"),
        row("What happened", details.get("what_happened"), "complaint-details"),
        row("What you would like us to do", details.get("what_they_want"), "complaint-details"),
        row("Your full name", details.get("full_name"), "complaint-contact"),
        row("Email address", details.get("email"), "complaint-contact"),
        row("UK mobile phone number", details.get("mobile"), "complaint-contact"),
    ]
    return render_template(
        "public/complaint_check.html",
        form=form,
        title="Check your complaint before sending it",
        sections=rows,
        back_url=_page_url(PAGES[-1]),
    )


@public.route("/complaint/sent")
def complaint_sent():
    draft = _draft()
    if draft is None or not draft.request_id:
        return redirect(url_for("public.complaint_start"))
    complaint = db.session.get(DataRequest, draft.request_id)
    return render_template(
        "public/complaint_sent.html",
        title="Complaint sent",
        complaint=complaint,
        dates=complaint_dates(domain_context(), complaint),
    )
