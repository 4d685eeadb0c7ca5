"""Outcome notices: each right's outcomes written by staff on the pages, previewed on every
channel, sent, and checked on what the local Notify server receives, in the letter PDF and on
the requester's tracking page. Also the Art 18(3) lift, Art 19 recipients, and bad input."""

import io
from datetime import timedelta

import pytest
from flask import current_app
from pypdf import PdfReader
from sqlalchemy import func, select

from portal.deadlines.calendar import now_utc, received_date
from portal.domain import DomainError
from portal.domain.actions import apply_action
from portal.domain.filestore import FileStore
from portal.domain.tasks import answer_task
from portal.extensions import db
from portal.models import DataRequest, Draft, Notice, OutboxMessage, RecipientTask
from portal.notify.configured import sender
from portal.notify.dispatch import dispatch
from portal.runtime import definition
from tests.factories import (
    DPO,
    W,
    build_pack,
    context,
    make_request,
    send_outcome_notice,
    staff_actor,
    to_disclosure_review,
)
from tests.helpers import ClientRequest, error_summary, latest_code, normalise
from tests.staff_helpers import make_staff, sign_in
from tests.workflow_names import state

EMAIL, MOBILE = "sam@example.com", "07700900123"
BOTH = {"method": "both", "contact": {"email": EMAIL, "mobile": MOBILE}}
SMS_ONLY = {"method": "sms", "contact": {"mobile": MOBILE}}
POST = {
    "method": "post",
    "contact": {"mobile": MOBILE, "address": "1 Judd Street\nLondon", "postcode": "WC1H 9JE"},
}
ICO = ("Information Commissioner's Office", "https://ico.org.uk/make-a-complaint/", "0303 123 1113")
COUNCIL = ("dpo@camden.gov.uk", "020 7974 4444")

# Every notice: (key, right, action, what staff type beyond the reasons)
NOTICES = [
    ("rectified", "rectification", "complete", {"recipients": ["Police", "schools"]}),
    (
        "completed_with_statement",
        "rectification",
        "complete",
        {"recipients": ["nobody"], "statement": "I disagree."},
    ),
    ("not_rectified", "rectification", "complete", {}),
    ("restricted", "restriction", "complete", {"recipients": ["midwives"]}),
    ("not_restricted", "restriction", "complete", {}),
    ("restriction_lifting", "restriction", "give_lift_notice", {}),
    ("processing_stopped", "objection", "complete", {"recipients": ["nobody"]}),
    ("objection_not_upheld", "objection", "complete", {}),
    ("disclosed", "access", "complete", {}),
    ("disclosed_in_part", "access", "complete", {"exemptions": "DPA 2018 Sch 2 para 16"}),
    ("no_data_held", "access", "complete", {}),
    ("refused", "objection", "refuse", {}),
]


def today():
    return received_date(now_utc())


def ready_for(session, right, key, contact=BOTH, tell="yes"):
    """A request of this right brought to the point where `key`'s notice can be written."""
    extra = {f"{right}-tell": {"tell": tell}} if right in ("rectification", "restriction") else {}
    request = make_request(session, right=right, key=f"d-{key}", extra=extra, **contact)
    if key == "refused":
        return request
    day = today()
    if right == "access":
        to_disclosure_review(session, request, day)
        build_pack(session, request, FileStore(current_app.config["UPLOAD_STORAGE_DIR"]), day)
        checker = staff_actor(session, "caseworker", f"Checker {key}", ["housing"])  # four eyes
        apply_action(context(session, day), request, "sign_off_disclosure", checker)
        return request
    apply_action(context(session, day), request, "route", DPO, {"services": ["housing"]})
    answer_task(context(session, now_utc()), request.tasks[0], DPO, "data_found", "Case notes 2024")
    outcome = "restricted" if key == "restriction_lifting" else key
    apply_action(
        context(session, day),
        request,
        "record_outcome",
        DPO,
        {"outcome": outcome, "reason": "Recorded"},
    )
    if key == "restriction_lifting":
        send_outcome_notice(session, request, "restricted")
    return request


@pytest.fixture
def staff(client):
    user = make_staff("dpo", name="Dana Price")
    sign_in(client, user)
    return ClientRequest(client)


def write_and_send(staff, request, action, key, inputs):
    """Staff: open the action, write the notice, check the preview, send. Returns the preview."""
    ref = request.reference
    page = staff.get(f"/staff/requests/{ref}")
    links = [a["href"] for a in page.select("a")]
    assert f"/staff/requests/{ref}/notices/{action}" in links
    write_url = f"/staff/requests/{ref}/notices/{action}/{key}"
    staff.get(write_url)
    response = staff.post(
        write_url, {"reasons": f"Because of {key}.", "version": request.version, **inputs}
    )
    preview = staff.get(response.location)
    assert db.session.get(DataRequest, request.id).state == request.state  # nothing sent yet
    staff.post(response.location, {"version": request.version})
    return preview


def deliver(fake_notify):
    dispatch(db.session, definition(), sender(), now_utc)
    fake_notify.wait_idle()


def rendered(notification, key="outcome_notice"):
    """The text Notify makes from the template pasted from messages.yaml."""
    kind = notification["type"]
    template = definition().messages[key].templates[kind]
    return template.render(notification["personalisation"])


def assert_complete_notice(text, key):
    opening = definition().notices[key].body.split("((")[0].strip()
    assert opening in text, opening
    assert f"Because of {key}." in text
    for fact in (*ICO, *COUNCIL):
        assert fact in text, fact
    assert "court" in text


@pytest.mark.parametrize(("key", "right", "action", "inputs"), NOTICES, ids=[n[0] for n in NOTICES])
def test_each_outcome_notice_reaches_email_sms_and_the_tracking_page(
    notify_app, fake_notify, key, right, action, inputs
):
    client = notify_app.test_client()
    staff = ClientRequest(client)
    sign_in(client, make_staff("dpo", name="Dana Price"))
    request = ready_for(db.session, right, key)
    preview = write_and_send(staff, request, action, key, inputs)
    db.session.refresh(request)

    # The preview showed the notice on each channel the requester has.
    headings = [normalise(h.get_text()) for h in preview.select("main h2")]
    assert headings == ["On their tracking page", f"Email to {EMAIL}", f"Text message to {MOBILE}"]

    deliver(fake_notify)
    ours = [n for n in fake_notify.notifications if "notice" in n["personalisation"]]
    assert {n["type"] for n in ours} == {"email", "sms"}
    email = [n for n in ours if n["type"] == "email"][-1]  # the newest
    subject, body = rendered(email)
    assert email["email_address"] == EMAIL
    assert subject.startswith(definition().notices[key].title)
    assert_complete_notice(body, key)
    if key == "disclosed_in_part":
        assert "DPA 2018 Sch 2 para 16" in body
    if key == "rectified":
        assert "Police; schools" in body  # the requester asked who we would tell
    if key == "restriction_lifting":
        assert "We will not lift it before" in body
    sms = [n for n in ours if n["type"] == "sms"][-1]
    _, text = rendered(sms)
    assert sms["phone_number"] == MOBILE
    assert "in the email we sent you or on our website" in text
    assert request.reference in text

    # The tracking page has the whole notice.
    requester = ClientRequest(notify_app.test_client())
    requester.post("/track", {"reference": request.reference, "contact": EMAIL})
    deliver(fake_notify)
    code = [n for n in fake_notify.notifications if "code" in n["personalisation"]][-1]
    requester.post("/track/code", {"code": code["personalisation"]["code"]})
    page = requester.get("/track/request")
    decision = normalise(page.select_one("#our-decision").find_next("div").get_text(" "))
    assert_complete_notice(decision, key)


def test_a_text_message_never_says_check_your_email_to_someone_without_one(client, staff):
    request = ready_for(db.session, "objection", "refused", contact=SMS_ONLY)
    write_and_send(staff, request, "refuse", "refused", {})
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.request_id == request.id))
    texts = [
        definition().messages[r.message_key].templates["sms"].render(r.personalisation)[1]
        for r in rows
        if r.channel == "sms"
    ]
    assert any("decided on request" in t for t in texts)
    for text in texts:
        assert "email" not in text.lower(), text
    assert any("Read our full reply on our website" in t for t in texts)
    # And no requester text message in the catalogue can say it when `where` has no email.
    for message in definition().messages.values():
        if message.audience == "requester" and "sms" in message.templates:
            values = {name: "x" for name in message.personalisation}
            _, text = message.templates["sms"].render({**values, "where": "on our website"})
            assert "email" not in text.lower(), message.key


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_post_letter_goes_to_notify_as_a_precompiled_pdf(make_app, fake_notify):
    from tests.notify_server import API_KEY, template_ids

    app = make_app(
        NOTIFY_API_KEY=API_KEY,
        NOTIFY_BASE_URL=fake_notify.base_url,
        NOTIFY_TEMPLATE_IDS=template_ids(),
        NOTIFY_LETTERS=True,
    )
    with app.app_context():
        client = app.test_client()
        sign_in(client, make_staff("dpo", name="Dana Price"))
        request = ready_for(db.session, "rectification", "completed_with_statement", contact=POST)
        statement = "I was never at that address in 2019."
        preview = write_and_send(
            ClientRequest(client),
            request,
            "complete",
            "completed_with_statement",
            {"statement": statement, "recipients": ["schools"]},
        )
        assert "GOV.UK Notify prints and posts this letter" in preview.get_text()
        deliver(fake_notify)
        letters = [n for n in fake_notify.notifications if n["precompiled_pdf"]]
        assert len(letters) == 1 and letters[0]["precompiled_pdf"] and letters[0]["postage"]
        text = pdf_text(letters[0]["precompiled_pdf"])
        assert "1 Judd Street" in text and "WC1H 9JE" in text and request.reference in text
        assert "We have added your statement to your records" in text
        assert statement in text and "Your supplementary statement" in text
        flat = normalise(text)
        for fact in (*ICO, *COUNCIL):
            assert fact in flat, fact
        assert "court" in flat
        notice = db.session.scalar(select(Notice).where(Notice.status == "sent"))
        assert notice.letter_status == "queued"
        # The statement is stored as a document of its own.
        assert statement in pdf_text(notice.statement_pdf)
        db.session.remove()
        db.engine.dispose()


def test_without_notify_letters_staff_print_the_letter_and_record_posting(staff):
    request = ready_for(db.session, "objection", "objection_not_upheld", contact=POST)
    write_and_send(staff, request, "complete", "objection_not_upheld", {})
    notice = db.session.scalar(select(Notice).where(Notice.status == "sent"))
    assert notice.letter_status == "to_post"
    letters = db.session.scalar(
        select(func.count(OutboxMessage.id)).where(
            OutboxMessage.channel == "letter", OutboxMessage.message_key == "outcome_notice"
        )
    )
    assert letters == 0
    ref = request.reference
    page = staff.get(f"/staff/requests/{ref}")
    assert "To print and post" in page.get_text()
    pdf = staff.client.get(f"/staff/requests/{ref}/notice/{notice.id}/letter.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = normalise(pdf_text(pdf.data))
    assert "compelling legitimate grounds" in text and "Because of objection_not_upheld." in text

    url = f"/staff/requests/{ref}/notice/{notice.id}/posted"
    page = staff.post(url, {}, 200)
    assert error_summary(page) == [("Enter the date you posted it", "#posted_on-day")]
    tomorrow = today() + timedelta(days=1)
    page = staff.post(
        url, {"posted_on": [str(tomorrow.day), str(tomorrow.month), str(tomorrow.year)]}, 200
    )
    assert "today or in the past" in error_summary(page)[0][0]
    before = notice.sent_on - timedelta(days=1)
    page = staff.post(
        url, {"posted_on": [str(before.day), str(before.month), str(before.year)]}, 200
    )
    assert "on or after" in error_summary(page)[0][0]
    db.session.refresh(notice)
    assert notice.letter_status == "to_post"
    day = today()
    staff.post(url, {"posted_on": [str(day.day), str(day.month), str(day.year)]})
    db.session.refresh(notice)
    assert notice.letter_status == "posted" and notice.posted_on == day
    assert staff.client.get(url).status_code == 404  # recorded once


def test_a_restriction_cannot_be_lifted_before_its_notice_period(app, staff):
    request = ready_for(db.session, "restriction", "restriction_lifting")
    assert request.state == state("restriction_in_place")
    write_and_send(staff, request, "give_lift_notice", "restriction_lifting", {})
    db.session.refresh(request)
    notice = db.session.scalar(
        select(Notice).where(Notice.notice_key == "restriction_lifting", Notice.status == "sent")
    )
    lift_from = notice.sent_on
    for _ in range(app.config["LIFT_NOTICE_WORKING_DAYS"]):
        lift_from = W.add_working_days(lift_from, 1)
    assert notice.inputs["lift_date"] == lift_from.isoformat()

    # On the page: refused with the date it becomes possible.
    ref = request.reference
    page = staff.post(
        f"/staff/requests/{ref}/actions/lift_restriction",
        {"reason": "Accuracy checked", "version": request.version},
        200,
    )
    assert "it can be lifted from" in error_summary(page)[0][0]
    db.session.refresh(request)
    assert request.state == state("lift_notice_given")
    # The day before the notice period ends: still refused; on its last day: allowed.
    day_before = lift_from - timedelta(days=1)
    with pytest.raises(DomainError, match="can be lifted from"):
        apply_action(
            context(db.session, day_before), request, "lift_restriction", DPO, {"reason": "x"}
        )
    apply_action(context(db.session, lift_from), request, "lift_restriction", DPO, {"reason": "x"})
    assert request.state == state("restriction_lifted")


def test_recipients_get_one_task_each_and_the_requester_is_told_who(client, staff):
    request = ready_for(db.session, "restriction", "restricted")
    write_and_send(
        staff, request, "complete", "restricted", {"recipients": ["Police", "schools", "midwives"]}
    )
    tasks = db.session.scalars(select(RecipientTask).order_by(RecipientTask.id)).all()
    assert [t.recipient for t in tasks] == ["Police", "midwives", "schools"]  # notice order
    ref = request.reference
    page = staff.get(f"/staff/requests/{ref}")
    assert "Tell the recipients (Article 19)" in page.get_text()

    url = f"/staff/requests/{ref}/recipients/{tasks[0].id}"
    page = staff.post(url, {"how": "  "}, 200)
    assert error_summary(page) == [("Say how and when you told them", "#how")]
    page = staff.post(url, {"how": "x" * 1001}, 200)
    assert error_summary(page)[0][1] == "#how"
    for task in tasks[:2]:
        staff.post(f"/staff/requests/{ref}/recipients/{task.id}", {"how": "Emailed their DPO"})
    told = select(OutboxMessage).where(OutboxMessage.message_key == "recipients_told")
    assert db.session.scalars(told).all() == []  # not until every one is told
    staff.post(f"/staff/requests/{ref}/recipients/{tasks[2].id}", {"how": "Phoned the school"})
    assert staff.client.get(url).status_code == 404  # done once
    messages = db.session.scalars(told).all()
    assert {m.channel for m in messages} == {"email", "sms"}
    assert "Police" in messages[0].personalisation["recipients"]

    # The requester asked, so their tracking page lists who was told.
    requester = ClientRequest(client.application.test_client())
    requester.post("/track", {"reference": ref, "contact": EMAIL})
    requester.post("/track/code", {"code": latest_code()})
    page = requester.get("/track/request")
    who = normalise(page.select_one("#who-we-told").find_next("ul").get_text(" "))
    assert "Police: told on" in who and "Schools: told on" in who


def test_a_requester_who_did_not_ask_is_not_sent_the_names(staff):
    request = ready_for(db.session, "rectification", "rectified", tell="no")
    write_and_send(staff, request, "complete", "rectified", {"recipients": ["Police"]})
    notice = db.session.scalar(select(Notice).where(Notice.status == "sent"))
    assert "Police" not in notice.body
    assert "We are telling the organisations that had received your information" in notice.body
    task = db.session.scalar(select(RecipientTask))
    staff.post(f"/staff/requests/{request.reference}/recipients/{task.id}", {"how": "Emailed"})
    told = select(OutboxMessage).where(OutboxMessage.message_key == "recipients_told")
    assert db.session.scalars(told).all() == []


def counts():
    return [
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Notice, OutboxMessage, RecipientTask)
    ]


@pytest.mark.parametrize(
    ("key", "right", "data", "expected"),
    [
        ("not_rectified", "rectification", {"reasons": ""}, [("Enter the reasons", "#reasons")]),
        ("not_rectified", "rectification", {"reasons": "x" * 5001}, None),
        (
            "disclosed_in_part",
            "access",
            {"reasons": "Some withheld", "exemptions": " "},
            [("Enter the exemptions applied", "#exemptions")],
        ),
        (
            "rectified",
            "rectification",
            {"reasons": "Done"},
            [("Select who received the data, or that none of them did", "#recipients")],
        ),
        (
            "rectified",
            "rectification",
            {"reasons": "Done", "recipients": ["Police", "nobody"]},
            [
                (
                    "Select the recipients, or that none of them received it, not both",
                    "#recipients",
                )
            ],
        ),
        (
            "rectified",
            "rectification",
            {"reasons": "Done", "recipients": ["The Moon"]},
            None,
        ),
        (
            "completed_with_statement",
            "rectification",
            {"reasons": "Done", "statement": "", "recipients": ["nobody"]},
            [("Enter the requester's supplementary statement", "#statement")],
        ),
    ],
)
def test_bad_input_on_the_notice_form_stores_nothing(staff, key, right, data, expected):
    request = ready_for(db.session, right, key)
    before, state = counts(), request.state
    url = f"/staff/requests/{request.reference}/notices/complete/{key}"
    page = staff.post(url, {**data, "version": request.version}, 200)
    summary = error_summary(page)
    if expected:
        assert summary == expected
    else:
        assert len(summary) == 1 and summary[0][1] in ("#reasons", "#recipients")
    assert counts() == before
    assert db.session.get(DataRequest, request.id).state == state


def test_a_stale_or_repeated_send_is_refused_and_sends_once(staff):
    request = ready_for(db.session, "objection", "refused")
    ref = request.reference
    url = f"/staff/requests/{ref}/notices/refuse/refused"
    # A form shown before someone else changed the request.
    page = staff.post(url, {"reasons": "Ninth request", "version": request.version - 1}, 200)
    assert error_summary(page)[0][0].startswith("Someone else changed this request")
    response = staff.post(url, {"reasons": "Ninth request", "version": request.version})
    staff.post(response.location, {"version": request.version})
    # The same send posted again (a double click, the back button).
    again = staff.client.post(response.location, data={"version": request.version})
    assert again.status_code == 404
    sent = db.session.scalars(select(Notice).where(Notice.status == "sent")).all()
    assert len(sent) == 1
    rows = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.message_key == "outcome_notice")
    ).all()
    assert len(rows) == 2  # email and text message, once each


def test_only_the_recorded_outcome_can_be_written(staff):
    request = ready_for(db.session, "rectification", "not_rectified")
    ref = request.reference
    assert staff.client.get(f"/staff/requests/{ref}/notices/complete/rectified").status_code == 404
    response = staff.client.get(f"/staff/requests/{ref}/notices/complete")
    assert response.location.endswith("/notices/complete/not_rectified")


def test_changing_the_notice_from_its_preview_keeps_what_was_written(staff):
    request = ready_for(db.session, "rectification", "rectified")
    url = f"/staff/requests/{request.reference}/notices/complete/rectified"
    data = {"reasons": "Date of birth corrected.", "recipients": ["Police"]}
    response = staff.post(url, {**data, "version": request.version})
    preview = staff.get(response.location)
    assert preview.select_one("a.govuk-link[href$='/rectified']").get_text() == "Change the notice"
    page = staff.get(url)
    assert page.select_one("textarea[name=reasons]").get_text().strip() == data["reasons"]
    checked = [box["value"] for box in page.select("input[name=recipients][checked]")]
    assert checked == ["Police"]
    # Writing it again replaces the draft: one notice is ever sent.
    response = staff.post(url, {**data, "reasons": "Corrected.", "version": request.version})
    assert db.session.scalar(select(func.count(Notice.id))) == 1


def test_what_a_text_message_points_to_is_on_the_tracking_page(client):
    request = make_request(db.session, key="sms", **SMS_ONLY)
    apply_action(
        context(db.session, today()),
        request,
        "request_evidence",
        DPO,
        {"evidence_kind": "identity", "reason": "A copy of your passport"},
    )
    text = db.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.message_key == "evidence_needed", OutboxMessage.channel == "sms"
        )
    )
    _, body = definition().messages["evidence_needed"].templates["sms"].render(text.personalisation)
    assert "Check or update your request" in body and "email" not in body
    requester = ClientRequest(client)
    requester.post("/track", {"reference": request.reference, "contact": MOBILE})
    requester.post("/track/code", {"code": latest_code()})
    page = requester.get("/track/request")
    sent = normalise(page.select_one("#messages-sent").parent.get_text(" "))
    assert "A copy of your passport" in sent


@pytest.mark.parametrize("right", ["rectification", "restriction"])
@pytest.mark.parametrize("data", [{}, {"tell": "maybe"}], ids=["empty", "not-a-choice"])
def test_the_who_we_told_question_needs_an_answer(client_request, session, right, data):
    client_request.client.get("/request/start")
    pages = [
        ("right", {"right": right}),
        ("who", {"who": "me"}),
        ("details", {"full_name": "Sam Taylor", "date_of_birth": ["1", "2", "1985"]}),
        ("address", {"address_line_1": "1 Judd Street", "town": "London", "postcode": "WC1H 9JE"}),
    ]
    pages += {
        "rectification": [
            ("rectification-wrong", {"wrong": "My date of birth"}),
            ("rectification-correct", {"correction": "1 February 1985"}),
            ("rectification-evidence", {}),
        ],
        "restriction": [
            ("restriction-grounds", {"ground": "accuracy"}),
            ("restriction-why", {"why": "It is wrong"}),
        ],
    }[right]
    for step, answer in pages:
        client_request.post(f"/request/{step}", answer)
    page = client_request.post(f"/request/{right}-tell", data, expected_status=200)
    assert error_summary(page) == [("Select yes if you want us to tell you who we told", "#tell")]
    draft = session.scalars(select(Draft)).one()
    assert f"{right}-tell" not in draft.answers
    client_request.post(f"/request/{right}-tell", {"tell": "yes"})
    session.refresh(draft)
    assert draft.answers[f"{right}-tell"] == {"tell": "yes"}


@pytest.mark.parametrize("data", [{}, {"notice": "rectified"}], ids=["empty", "another-right"])
def test_choosing_an_access_outcome_needs_one_of_its_own(staff, data):
    request = ready_for(db.session, "access", "disclosed")
    url = f"/staff/requests/{request.reference}/notices/complete"
    page = staff.get(url)
    choices = [box["value"] for box in page.select("input[name=notice]")]
    assert choices == ["disclosed", "disclosed_in_part", "no_data_held"]
    page = staff.post(url, {**data, "version": request.version}, 200)
    assert [href for _, href in error_summary(page)] == ["#notice"]
    assert counts() == [0, *counts()[1:]]
    response = staff.post(url, {"notice": "no_data_held", "version": request.version})
    assert response.location.endswith("/notices/complete/no_data_held")


@pytest.mark.parametrize(
    ("who", "dob", "whose"),
    [("me", "1985-02-01", "your"), ("child", None, "your child's")],
)
def test_a_notice_names_whose_information_as_the_requester_asked(session, who, dob, whose):
    from portal.domain.notices import draft_notice, recipient_names

    day = today()
    born = dob or f"{day.year - 6}-04-03"
    extra = {"rectification-tell": {"tell": "yes"}}
    request = make_request(session, right="rectification", who=who, dob=born, extra=extra)
    apply_action(context(session, day), request, "route", DPO, {"services": ["housing"]})
    answer_task(context(session, now_utc()), request.tasks[0], DPO, "data_found", "Notes")
    apply_action(
        context(session, day),
        request,
        "record_outcome",
        DPO,
        {"outcome": "rectified", "reason": "Recorded"},
    )
    typed = "We checked your information in the file."  # staff's own words stay as typed
    notice = draft_notice(
        context(session, day),
        request,
        DPO,
        "complete",
        "rectified",
        {"reasons": typed, "recipients": recipient_names()[:1]},
    )
    assert notice.title == f"We have corrected {whose} information"
    assert typed in notice.body
    ours = notice.body.replace(typed, "")
    assert f"which had received {whose} information" in ours
    if who == "child":
        assert "your information" not in ours
