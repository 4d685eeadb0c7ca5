"""Abuse limits: codes capped per contact and per request, the tracking code page answering
alike for real and made-up references, rate limits per client on starting requests, uploading
and sending codes, and a storage cap per draft."""

import io

import pytest
from sqlalchemy import func, select

from portal.deadlines.calendar import now_utc
from portal.domain import verification
from portal.domain.drafts import new_draft
from portal.extensions import db, limiter
from portal.models import OutboxMessage, Upload, VerificationCode
from portal.runtime import definition
from tests.factories import make_request, pdf_bytes
from tests.helpers import ClientRequest, error_summary, pdf_file


def codes_sent() -> int:
    return db.session.scalar(
        select(func.count(OutboxMessage.id)).where(OutboxMessage.message_key == "verification_code")
    )


def code_page_answers(client_request, reference, contact, tries=7):
    """What the code page says to each of `tries` wrong codes, after asking with these."""
    response = client_request.post("/track", {"reference": reference, "contact": contact})
    assert response.location.endswith("/track/code")
    return [
        error_summary(client_request.post("/track/code", {"code": "000000"}, 200))
        for _ in range(tries)
    ]


@pytest.fixture
def hashing(monkeypatch):
    """Counts the keyed hashes computed: the costly part of making and checking a code."""
    calls = []
    real = verification._hash

    def counted(*args):
        calls.append(args[1])
        return real(*args)

    monkeypatch.setattr(verification, "_hash", counted)
    return calls


def test_the_code_page_answers_alike_for_real_and_made_up_references(app, session, hashing):
    request = make_request(session)
    # "000000" is wrong for the real code too, unless the random code happens to be it.
    real = code_page_answers(ClientRequest(app.test_client()), request.reference, "sam@example.com")
    real_hashes, real_rows = len(hashing), session.scalars(select(VerificationCode)).all()
    assert codes_sent() == 1
    made_up = code_page_answers(ClientRequest(app.test_client()), "DR-AAAA-BBBB", "sam@example.com")
    wrong_contact = code_page_answers(
        ClientRequest(app.test_client()), request.reference, "nobody@example.com"
    )
    assert real == made_up == wrong_contact
    assert [a[0][0] for a in real] == ["The code is not correct. Check it and try again"] * 4 + [
        "You have entered the wrong code too many times. Start again"
    ] * 3
    # The same hashing work and the same counters, whichever it was.
    assert len(hashing) == 3 * real_hashes
    rows = session.scalars(select(VerificationCode).order_by(VerificationCode.id)).all()
    assert [r.attempts for r in rows] == [real_rows[0].attempts] * 3 == [5] * 3
    assert codes_sent() == 1  # only the real one went anywhere


def test_codes_to_one_contact_are_capped_per_hour_whoever_asks(app, session):
    """Each journey is a new draft (its own cap of 5): the cap per address still holds."""
    now = now_utc()
    for number in range(verification.MAX_CODES_PER_CONTACT_PER_HOUR + 1):
        draft = new_draft(session, now)
        try:
            verification.send_code(
                session, definition(), draft, "email", "victim@example.com", now,
                app.config["SECRET_KEY"],
            )  # fmt: skip
        except verification.TooManyCodes as refused:
            assert number == verification.MAX_CODES_PER_CONTACT_PER_HOUR
            assert "too many codes" in str(refused)
            break
    else:
        pytest.fail("a sixth code to one address in an hour was sent")
    assert codes_sent() == verification.MAX_CODES_PER_CONTACT_PER_HOUR


def test_codes_for_one_reference_are_capped_and_the_cap_is_not_revealed(app, session):
    request = make_request(session)
    answers = []
    for _ in range(verification.MAX_CODES_PER_REFERENCE_PER_HOUR + 2):
        answers.append(
            code_page_answers(
                ClientRequest(app.test_client()), request.reference, "sam@example.com", tries=1
            )
        )
    assert codes_sent() == verification.MAX_CODES_PER_REFERENCE_PER_HOUR
    assert all(a == answers[0] for a in answers)  # the page says nothing different


@pytest.fixture
def limited_app(make_app):
    app = make_app(
        RATELIMIT_ENABLED=True,
        LIMIT_START_REQUEST="3 per hour",
        LIMIT_UPLOADS="2 per hour",
        LIMIT_CODES_SENT="2 per hour",
    )
    with app.app_context():
        limiter.reset()
        yield app
        limiter.reset()
        db.session.remove()
        db.engine.dispose()


def test_starting_requests_is_rate_limited_per_client(limited_app):
    client = limited_app.test_client()
    statuses = []
    for _ in range(4):
        client.delete_cookie("portal_session")
        for cookie in list(client._cookies):  # a bot that keeps no cookies
            client._cookies.pop(cookie)
        statuses.append(client.get("/request/start").status_code)
    assert statuses == [302, 302, 302, 429]
    assert client.get("/complaint/begin").status_code == 429  # complaints count the same
    other = limited_app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.9"
    assert other.get("/request/start").status_code == 302  # another client is not affected


def test_uploads_are_rate_limited_per_client_across_pages(limited_app):
    client = ClientRequest(limited_app.test_client())
    client.client.get("/request/start")
    client.post("/request/right", {"right": "access"})
    client.post("/request/who", {"who": "represented"})
    client.post("/request/representative", {"capacity": "solicitor", "organisation": "Law"})
    statuses = [
        client.client.post(
            "/request/authority",
            data={"upload": pdf_file(f"a{i}.pdf")},
            content_type="multipart/form-data",
        ).status_code
        for i in range(3)
    ]
    assert statuses == [302, 302, 429]
    # The same client's next page without a file is not an upload and is not counted.
    assert client.client.post("/request/details", data={}).status_code == 200


def test_codes_sent_are_rate_limited_per_client(limited_app):
    client = limited_app.test_client()
    statuses = [
        client.post(
            "/track", data={"reference": "DR-AAAA-BBBB", "contact": "a@example.com"}
        ).status_code
        for _ in range(3)
    ]
    assert statuses == [302, 302, 429]


def test_a_draft_has_a_storage_cap(app, session, monkeypatch):
    from portal.domain import drafts, uploads

    monkeypatch.setattr(uploads, "MAX_DRAFT_UPLOAD_BYTES", 2 * len(pdf_bytes("x" * 100)) - 1)
    client = ClientRequest(app.test_client())
    client.client.get("/request/start")
    client.post("/request/right", {"right": "rectification"})
    client.post("/request/who", {"who": "represented"})
    client.post("/request/representative", {"capacity": "solicitor", "organisation": "Law"})
    big = pdf_bytes("x" * 100)
    client.post(
        "/request/authority",
        {"upload": (io.BytesIO(big), "a.pdf")},
        content_type="multipart/form-data",
    )
    draft = session.scalars(select(drafts.Draft)).one()
    page_data = ("rectification-evidence", "supporting")
    with pytest.raises(Exception) as refused:
        drafts.save_answers(
            session, draft, page_data[0], {}, now_utc(),
            (big.replace(b"x", b"y"), "pdf", "b.pdf", page_data[1]),
            scanner=app.extensions["scanner"],
        )  # fmt: skip
    assert "together must be" in str(refused.value)
    assert session.scalar(select(func.count(Upload.id))) == 1
    # Replacing the file already there is not more storage: allowed.
    drafts.save_answers(
        session, draft, "authority", {}, now_utc(),
        (big.replace(b"x", b"z"), "pdf", "c.pdf", "authority"),
        scanner=app.extensions["scanner"],
    )  # fmt: skip
    assert session.scalar(select(func.count(Upload.id))) == 1


def test_saving_answers_and_coming_back_count_as_codes_sent(limited_app):
    client = limited_app.test_client()
    client.get("/request/start")
    client.post("/request/right", data={"right": "access"})
    saved = client.post("/request/save", data={"contact": "a@example.com"}).status_code
    # The same client asking to come back (a code) shares the codes' limit with the save.
    statuses = [
        client.post("/request/resume", data={"contact": "a@example.com"}).status_code
        for _ in range(2)
    ]
    assert [saved, *statuses] == [302, 302, 429]
    assert client.get("/request/resume").status_code == 200  # asking for the page costs nothing
