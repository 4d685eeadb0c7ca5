"""The disclosure pack: titled files streamed to the file store, the checklist, four-eyes
sign-off with every file's SHA-256 in the audit trail, the lock, and delivery to the requester
with its download window and log."""

import hashlib
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.deadlines.calendar import now_utc, received_date
from portal.domain import DomainError
from portal.domain.filestore import FileStore
from portal.extensions import db
from portal.models import AuditActor, AuditEvent, PackFile, Upload
from tests.factories import (
    NOTHING_TO_DECLARE,
    build_pack,
    context,
    make_request,
    pdf_bytes,
    send_outcome_notice,
    to_disclosure_review,
)
from tests.helpers import ClientRequest, error_summary, latest_code, normalise
from tests.staff_helpers import make_staff, sign_in
from tests.workflow_names import state


def today() -> date:
    return received_date(now_utc())


@pytest.fixture
def people(app):
    return {
        "dpo": make_staff("dpo", name="Dana Price"),
        "housing": make_staff("caseworker", ["housing"], name="Hana Okafor"),
    }


@pytest.fixture
def as_(app, people, client_request):
    def sign_in_as(who):
        client = app.test_client()
        sign_in(client, people[who])
        client_request.client = client
        return client_request

    return sign_in_as


def store(app) -> FileStore:
    return FileStore(app.config["UPLOAD_STORAGE_DIR"])


def stored_files(app) -> list[str]:
    root = store(app).root
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def add_file(client, request, title, content, name="file.pdf", expected=302):
    db.session.refresh(request)
    return client.post(
        f"/staff/requests/{request.reference}/pack/files",
        {"title": title, "file": (io.BytesIO(content), name), "version": request.version},
        expected,
        content_type="multipart/form-data",
    )


def action(client, request, name, expected=302):
    db.session.refresh(request)
    return client.post(
        f"/staff/requests/{request.reference}/actions/{name}",
        {"version": request.version},
        expected,
    )


def test_four_eyes_sign_off_records_every_hash_and_locks_the_pack(app, people, as_):
    request = to_disclosure_review(db.session, make_request(db.session), today())
    dpo = as_("dpo")
    big = pdf_bytes("notes") + b"0" * (3 * 1024 * 1024)  # spooled to disk by Werkzeug
    add_file(dpo, request, "Case notes 2019 to 2021 (redacted)", big)
    add_file(dpo, request, "Photo", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "photo.png")
    files = db.session.scalars(select(PackFile).order_by(PackFile.id)).all()
    assert [f.upload.content for f in files] == [None, None]  # in the file store, not the row
    on_disk = store(app).path(files[0].upload.storage_key).read_bytes()
    assert on_disk == big and files[0].upload.sha256 == hashlib.sha256(big).hexdigest()

    # No checklist yet: sign-off is not offered, and posting it is refused.
    page = action(dpo, request, "sign_off_disclosure", 200)
    assert error_summary(page) == [("Complete the disclosure checklist", None)]
    db.session.refresh(request)
    dpo.post(
        f"/staff/requests/{request.reference}/pack/checklist",
        {
            "third_party_found": "yes",
            "third_party_handling": ["redacted", "reasonable"],
            "third_party_note": "A neighbour's statement: names redacted.",
            "harm_records": "yes",
            "harm_outcome": "no_serious_harm",
            "harm_practitioner": "Jo Smith, senior social worker",
            "exemption_1_schedule": "2",
            "exemption_1_paragraph": "16",
            "exemption_1_covers": "Third-party names",
            "exemption_2_schedule": "3",
            "exemption_2_paragraph": "8(2)",
            "exemption_2_covers": "A social work assessment",
            "version": request.version,
        },
    )
    page = dpo.get(f"/staff/requests/{request.reference}/pack")
    text = normalise(page.get_text(" "))
    assert "Schedule 2, paragraph 16: Third-party names" in text
    assert "Applied by Jo Smith, senior social worker" in text

    # The person who assembled the pack is not offered the sign-off, and is refused it whatever
    # their role; a caseworker of a routed service is offered it.
    signing = "Sign off the disclosure (practitioner)"
    assert page.find("a", string=signing) is None
    housing_page = as_("housing").get(f"/staff/requests/{request.reference}/pack")
    assert housing_page.find("a", string=signing) is not None
    dpo = as_("dpo")
    page = action(dpo, request, "sign_off_disclosure", 200)
    assert "someone else must sign it off" in error_summary(page)[0][0]
    db.session.refresh(request)
    assert request.state == state("disclosure_review") and not request.pack.locked
    action(as_("housing"), request, "sign_off_disclosure")
    db.session.refresh(request)
    assert request.state == state("response_ready") and request.pack.locked
    signed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "pack_signed_off"))
    hana = people["housing"]
    assert signed.actor == AuditActor("staff", hana.full_name, hana.id, "caseworker")
    assert [f["sha256"] for f in signed.detail["files"]] == [
        hashlib.sha256(big).hexdigest(),
        hashlib.sha256(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100).hexdigest(),
    ]


def test_a_change_after_sign_off_sends_the_pack_back_to_review(app, people, as_):
    request = to_disclosure_review(db.session, make_request(db.session), today())
    build_pack(db.session, request, store(app), today())
    action(as_("housing"), request, "sign_off_disclosure")
    db.session.refresh(request)
    assert request.state == state("response_ready") and request.pack.locked

    # The caseworker who signed adds a file: back to review, unlocked, sign-off cleared; and
    # having now changed the pack, they cannot sign it off again.
    housing = as_("housing")
    add_file(housing, request, "Late addition", pdf_bytes("late"))
    db.session.refresh(request)
    assert request.state == state("disclosure_review")
    assert not request.pack.locked and request.pack.signed_off_by is None
    reopened = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "pack_reopened"))
    assert reopened.detail == {"why": "changed after sign-off"}
    page = action(housing, request, "sign_off_disclosure", 200)
    assert "someone else must sign it off" in error_summary(page)[0][0]
    # Removing a file or changing the checklist after a sign-off reopens it too.
    dpo_only = make_staff("dpo", name="Sam Signer", email="signer@example.gov.uk")
    people["signer"] = dpo_only
    action(as_("signer"), request, "sign_off_disclosure")
    db.session.refresh(request)
    assert request.state == state("response_ready")
    removed = request.pack.files[-1]
    key = removed.upload.storage_key
    dpo = as_("dpo")
    dpo.post(
        f"/staff/requests/{request.reference}/pack/files/{removed.id}/remove",
        {"version": request.version},
    )
    db.session.refresh(request)
    assert request.state == state("disclosure_review") and len(request.pack.files) == 1
    assert not store(app).path(key).exists()

    # Once the response is sent the pack cannot change at all.
    action(as_("signer"), request, "sign_off_disclosure")
    send_outcome_notice(db.session, request, "disclosed")
    db.session.refresh(request)
    assert request.state == state("completed")
    before = stored_files(app)
    page = add_file(as_("signer"), request, "Too late", pdf_bytes("too late"), expected=200)
    assert "cannot change" in error_summary(page)[0][0]
    assert stored_files(app) == before
    db.session.refresh(request)
    assert len(request.pack.files) == 1 and request.pack.locked


def test_bad_input_on_the_pack_forms(make_app):
    app = make_app(PACK_MAX_MB=1)
    with app.app_context():
        request = to_disclosure_review(db.session, make_request(db.session), today())
        client = app.test_client()
        sign_in(client, make_staff("dpo", name="Dana Price"))
        client_request = ClientRequest(client)
        url = f"/staff/requests/{request.reference}/pack/files"
        cases = [
            ({}, [("Enter a title for the file", "#title"), ("Select a file", "#file")]),
            (
                {"title": "Notes", "file": (io.BytesIO(b"GIF89a fake"), "notes.pdf")},
                [("The selected file must be a PDF, JPG or PNG", "#file")],
            ),
            (
                {"title": "Notes", "file": (io.BytesIO(b""), "notes.pdf")},
                [("The selected file is empty", "#file")],
            ),
            (
                {
                    "title": "Notes",
                    "file": (io.BytesIO(pdf_bytes() + b"0" * (1024 * 1024)), "big.pdf"),
                },
                [("The selected file must be smaller than 1MB", "#file")],
            ),
            (
                {"title": "x" * 201, "file": (io.BytesIO(pdf_bytes()), "n.pdf")},
                [("The title must be 200 characters or fewer", "#title")],
            ),
        ]
        for data, expected in cases:
            page = client_request.post(
                url, {**data, "version": request.version}, 200, content_type="multipart/form-data"
            )
            assert error_summary(page) == expected, data
        # A body bigger than the pack's limit is refused before it is read.
        too_big = client.post(
            url,
            data={"title": "Huge", "file": (io.BytesIO(b"0" * (3 * 1024 * 1024)), "h.pdf")},
            content_type="multipart/form-data",
        )
        assert too_big.status_code == 413
        assert db.session.scalar(select(func.count(Upload.id))) == 0
        assert stored_files(app) == []

        # The same file twice: refused, and only one copy is kept.
        add_file(client_request, request, "Notes", pdf_bytes("n"))
        page = add_file(client_request, request, "Notes again", pdf_bytes("n"), expected=200)
        assert error_summary(page) == [("This file is already in the pack", "#file")]
        assert db.session.scalar(select(func.count(PackFile.id))) == 1
        assert len(stored_files(app)) == 1
        # Together the files may not pass the pack's total.
        half = pdf_bytes("half") + b"0" * (600 * 1024)
        add_file(client_request, request, "First half", half)
        page = add_file(client_request, request, "Second", half + b"1", expected=200)
        assert "must be smaller than" in error_summary(page)[0][0]
        assert len(stored_files(app)) == 2

        checklist = f"/staff/requests/{request.reference}/pack/checklist"
        db.session.refresh(request)
        page = client_request.post(checklist, {"version": request.version}, 200)
        assert error_summary(page) == [
            ("Select whether you found third-party information", "#third_party_found"),
            ("Select whether the pack has social work or health records", "#harm_records"),
        ]
        page = client_request.post(
            checklist,
            {"third_party_found": "yes", "harm_records": "yes", "version": request.version},
            200,
        )
        assert [href for _, href in error_summary(page)] == [
            "#third_party_handling",
            "#third_party_note",
            "#harm_outcome",
            "#harm_practitioner",
        ]
        page = client_request.post(
            checklist,
            {
                **{k: v for k, v in NOTHING_TO_DECLARE.items() if k != "exemptions"},
                "exemption_1_schedule": "4",
                "exemption_1_paragraph": "16",
                "exemption_1_covers": "Adoption records",
                "version": request.version,
            },
            200,
        )
        assert error_summary(page) == [
            ("Enter a paragraph of Schedule 4, like 16 or 5(3)", "#exemption_1_paragraph")
        ]
        db.session.refresh(request)
        assert request.pack.checklist is None
        db.session.remove()


def sign_in_as_requester(client, reference, contact="sam@example.com"):
    client.post("/track", data={"reference": reference, "contact": contact})
    client.post("/track/code", data={"code": latest_code()})


def sent_pack(app, key, name, email):
    from portal.domain.actions import apply_action
    from portal.domain.requests import submit_request
    from portal.models import Draft
    from tests.factories import answers, staff_actor

    draft_answers = answers(name=name)
    draft_answers["contact"] = {"method": "email", "email": email}
    draft = Draft(id=key, answers=draft_answers, verified_contact=email)
    db.session.add(draft)
    db.session.commit()
    request = submit_request(context(db.session, now_utc()), draft, draft.answers)
    to_disclosure_review(db.session, request, today())
    build_pack(db.session, request, store(app), today(), files=(f"{name} notes", f"{name} photo"))
    signer = staff_actor(db.session, "caseworker", f"{name} Signer", ["housing"])
    sender = staff_actor(db.session, "dpo", f"{name} Sender")
    apply_action(context(db.session, today()), request, "sign_off_disclosure", signer)
    send_outcome_notice(db.session, request, "disclosed", actor=sender)
    return request


def test_delivery_lists_files_audits_downloads_and_closes_after_its_window(
    app, people, as_, client_request
):
    mine = sent_pack(app, "a", "Sam Taylor", "sam@example.com")
    theirs = sent_pack(app, "b", "Kim Lee", "kim@example.com")
    requester = app.test_client()
    sign_in_as_requester(requester, mine.reference)
    client_request.client = requester
    page = client_request.get("/track/request")
    rows = [
        [normalise(td.get_text(" ")) for td in tr.select("td")]
        for tr in page.select("table tbody tr")
    ]
    assert rows == [
        ["Sam Taylor notes (download)", "PDF", "1KB"],
        ["Sam Taylor photo (download)", "PDF", "1KB"],
    ]
    closes = today() + timedelta(days=60)
    assert f"until {closes.day} {closes:%B %Y}" in normalise(page.get_text(" "))

    # Two requesters cannot reach each other's files, whatever id they try.
    for other in theirs.pack.files:
        assert requester.get(f"/track/request/files/{other.id}").status_code == 404
    first = mine.pack.files[0]
    download = requester.get(f"/track/request/files/{first.id}")
    assert download.status_code == 200
    assert download.data == pdf_bytes("Sam Taylor notes")
    assert "attachment" in download.headers["Content-Disposition"]
    logged = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "response_downloaded"))
    assert logged.request_id == mine.id
    assert logged.detail["sha256"] == hashlib.sha256(download.data).hexdigest()
    assert logged.detail["at"]

    # Staff see the download log.
    page = as_("dpo").get(f"/staff/requests/{mine.reference}/pack")
    log = page.find("h2", string="Downloads by the requester").find_next("table")
    assert "Sam Taylor notes" in log.get_text() and logged.detail["sha256"][:16] in log.get_text()

    # 61 days later the window has closed: the requester is told how to ask again.
    mine.pack.delivery_opened_on = today() - timedelta(days=61)
    mine.pack.sent_on = today() - timedelta(days=61)
    db.session.commit()
    client_request.client = requester
    page = client_request.get("/track/request")
    text = normalise(page.get_text(" "))
    assert "Downloads closed on" in text and "we will open downloads again" in text
    assert page.select("a[href^='/track/request/files/']") == []
    assert requester.get(f"/track/request/files/{first.id}").status_code == 404

    # Staff reopen delivery: open again for another 60 days, and audited.
    dpo = as_("dpo")
    page = dpo.get(f"/staff/requests/{mine.reference}/pack")
    assert "closed on" in normalise(page.get_text(" "))
    db.session.refresh(mine)
    dpo.post(f"/staff/requests/{mine.reference}/pack/delivery", {"version": mine.version})
    db.session.refresh(mine)
    assert mine.pack.delivery_opened_on == today()
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "delivery_reopened"))
    assert requester.get(f"/track/request/files/{first.id}").status_code == 200
    # Reopening while open is refused (a double click does nothing more).
    page = dpo.post(
        f"/staff/requests/{mine.reference}/pack/delivery", {"version": mine.version}, 200
    )
    assert error_summary(page) == [("Downloads are still open", None)]


def test_a_change_of_role_does_not_make_someone_a_second_pair_of_eyes(app):
    """Four eyes compares people: whoever put the pack together may not sign it off, even
    after their role (and so the workflow's label for them) changed."""
    from portal.domain.actions import apply_action
    from portal.domain.pack import may_sign_off
    from portal.domain.requests import submit_request
    from portal.models import Draft
    from portal.workflow import Actor
    from tests.factories import answers, staff_actor

    draft = Draft(id="four-eyes", answers=answers(), verified_contact="sam@example.com")
    draft.answers["contact"] = {"method": "email", "email": "sam@example.com"}
    db.session.add(draft)
    db.session.commit()
    request = submit_request(context(db.session, now_utc()), draft, draft.answers)
    to_disclosure_review(db.session, request, today())
    builder = staff_actor(db.session, "caseworker", "Pat Builder", ["housing"])
    build_pack(db.session, request, store(app), today(), actor=builder)
    promoted = Actor("dpo", id=builder.id, name=builder.name)
    assert not may_sign_off(request, promoted)
    with pytest.raises(DomainError):
        apply_action(context(db.session, today()), request, "sign_off_disclosure", promoted)
    db.session.rollback()
    other = staff_actor(db.session, "caseworker", "Ola Other", ["housing"])
    assert may_sign_off(request, other)
