"""The retention schedule on a known data set, with the clock stopped on 1 June 2033: preview
lists exactly what is due, run removes exactly that (rows and files on disk) and nothing else,
the statistics stay as they were, a request on legal hold keeps everything, every removal is
audited without what was removed, and a second run removes nothing."""

import io
import os
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.clock import FixedClock
from portal.domain import DomainError, FieldError, retention
from portal.domain.audit import verify_chain
from portal.domain.casework import add_note
from portal.domain.filestore import FileStore
from portal.domain.outbox import queue
from portal.domain.statistics import request_statistics
from portal.models import (
    AuditEvent,
    AuditPersonal,
    CapturedMessage,
    DataRequest,
    DisclosurePack,
    Draft,
    OutboxMessage,
    PackFile,
    Person,
    Upload,
)
from portal.runtime import definition
from tests.factories import DPO, context, make_request, pdf_bytes

NOW = datetime(2033, 6, 1, 9, 0, tzinfo=UTC)
TODAY = NOW.date()


def final_state():
    return next(name for name, s in definition().states.items() if s.final)


def upload(session, request, purpose, store=None, tag="x"):
    content = pdf_bytes(tag)
    row = Upload(
        request_id=request.id,
        purpose=purpose,
        filename=f"{tag}.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256="0" * 64,
    )
    if store is not None:
        row.storage_key = store.save(io.BytesIO(content), 10_000).key
    else:
        row.content = content
    session.add(row)
    session.flush()
    return row


def message(session, request, created: datetime, status="delivered"):
    [row] = queue(
        session,
        definition(),
        "request_received",
        [("email", f"{request.reference.lower()}@example.com")],
        {"reference": request.reference, "right": "access", "due_date": "soon", "summary": "-"},
        request,
    )
    row.created_at, row.status = created, status
    session.flush()
    session.add(
        CapturedMessage(outbox_id=row.id, channel="email", recipient=row.recipient, body="Hi")
    )
    return row


def pack_file(session, request, store, opened: date, tag):
    pack = DisclosurePack(request_id=request.id, assembled_by=[], delivery_opened_on=opened)
    session.add(pack)
    session.flush()
    row = upload(session, request, "pack", store, tag)
    session.add(PackFile(pack_id=pack.id, upload_id=row.id, title=tag))
    session.flush()
    return row


def closed(session, request, on: date):
    request.state, request.closed_on = final_state(), on


@pytest.fixture
def store(app, tmp_path):
    return FileStore(app.config["UPLOAD_STORAGE_DIR"])


@pytest.fixture
def data(session, store):
    """A: closed 6 1/2 years ago (everything due). B: the same, on legal hold. C: closed this
    January (proof decided two months ago, pack download period over, one old and one newer
    message, a supporting document). D: open. Two drafts never sent; two orphan files."""
    made = {}
    for name, key in (("A", "dA"), ("B", "dB"), ("C", "dC"), ("D", "dD")):
        made[name] = make_request(session, key=key, name=f"Person {name}")
        add_note(context(session), made[name], DPO, f"Spoke to Person {name}")
    a, b, c, d = made["A"], made["B"], made["C"], made["D"]
    for sent in session.scalars(select(OutboxMessage)):  # sent ten days ago
        sent.status, sent.created_at = "delivered", NOW - timedelta(days=10)
    for r in (a, b):
        closed(session, r, date(2026, 12, 1))
        upload(session, r, "authority", tag=f"id-{r.reference}")
        pack_file(session, r, store, date(2026, 11, 1), f"pack-{r.reference}")
        message(session, r, datetime(2026, 12, 1, tzinfo=UTC))
    b.legal_hold_reason, b.legal_hold_by = "Tribunal case", "Dana Price"
    closed(session, c, date(2033, 1, 1))
    c.identity_checked_at = datetime(2033, 4, 1, 12, tzinfo=UTC)
    made["c_proof"] = upload(session, c, "authority", tag="id-c")
    made["c_supporting"] = upload(session, c, "supporting", tag="support-c")
    # Download period: opened 2 Feb + 60 days = 3 Apr; + 60 days = 2 Jun: not yet due...
    made["c_pack_kept"] = pack_file(session, c, store, date(2033, 2, 2), "pack-c-kept")
    session.flush()
    made["c_old_message"] = message(session, c, datetime(2032, 5, 31, 10, tzinfo=UTC))
    made["c_new_message"] = message(session, c, datetime(2032, 6, 2, 10, tzinfo=UTC))
    upload(session, d, "authority", tag="id-d")
    message(session, d, NOW - timedelta(days=3))
    # Answers never sent are kept 7 days after their last change (save and come back later).
    session.add(
        Draft(id="old-draft", answers={"x": 1}, updated_at=NOW - timedelta(days=7, hours=1))
    )
    session.add(
        Draft(id="new-draft", answers={"x": 1}, updated_at=NOW - timedelta(days=6, hours=23))
    )
    session.commit()
    store.root.mkdir(parents=True, exist_ok=True)
    for name, age in (("0rphanold", timedelta(days=2)), ("0rphannew", timedelta(hours=1))):
        path = store.root / name
        path.write_bytes(b"left by a crash")
        stamp = (NOW - age).timestamp()
        os.utime(path, (stamp, stamp))
    return made


def counts(session):
    return {
        model.__name__: session.scalar(select(func.count()).select_from(model))
        for model in (Upload, PackFile, Person, Draft, CapturedMessage, AuditPersonal, AuditEvent)
    }


def run(session, store, app, now=NOW):
    return retention.run(session, app.extensions["retention"], store, 60, now)


def test_preview_lists_exactly_what_is_due_and_changes_nothing(app, session, store, data):
    before = counts(session)
    found = retention.plan(session, app.extensions["retention"], store, 60, NOW)
    session.rollback()
    a, b, c = data["A"].reference, data["B"].reference, data["C"].reference
    assert found.counts() == {
        "identity_documents": 2,  # A's (decided by closing) and C's (decided 1 April)
        "disclosure_pack_files": 1,  # A's; C's download period ended too recently
        "messages": 2,  # A's and C's from 31 May 2032; not C's from 2 June 2032
        "request_records": 1,  # A
        "unsubmitted_drafts": 1,
        "orphan_files": 1,
    }
    refs = {(d.kind, d.reference) for d in found.due}
    assert ("identity_documents", a) in refs and ("identity_documents", c) in refs
    assert ("request_records", a) in refs
    assert not any(r == b for _k, r in refs)  # on legal hold
    assert counts(session) == before


def test_run_removes_exactly_what_is_due_and_keeps_the_statistics(app, session, store, data):
    statistics = request_statistics(session)
    events_before = session.scalar(select(func.count(AuditEvent.id)))
    a, b, c, d = data["A"], data["B"], data["C"], data["D"]
    files_before = {p.name for p in store.root.iterdir()}
    done = run(session, store, app)
    session.expire_all()
    assert done.counts()["request_records"] == 1

    # A: anonymised; what the statistics need stays.
    assert a.anonymised_at is not None and a.answers == {}
    assert session.scalar(select(func.count(Person.id)).where(Person.request_id == a.id)) == 0
    assert session.scalar(select(func.count(Upload.id)).where(Upload.request_id == a.id)) == 0
    assert all(
        m.recipient == "" and m.personalisation == {}
        for m in session.scalars(select(OutboxMessage).where(OutboxMessage.request_id == a.id))
    )
    assert (
        session.scalar(
            select(func.count(AuditPersonal.event_id))
            .join(AuditEvent, AuditEvent.id == AuditPersonal.event_id)
            .where(AuditEvent.request_id == a.id)
        )
        == 0
    )
    # B (legal hold) and D (open): untouched.
    for kept in (b, d):
        assert kept.anonymised_at is None and kept.answers
        assert session.scalar(select(func.count(Upload.id)).where(Upload.request_id == kept.id))
        assert session.scalar(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.request_id == kept.id, OutboxMessage.recipient != ""
            )
        )
    # C: its proof and old message went; its supporting document, pack and newer message stay.
    assert session.get(Upload, data["c_proof"].id) is None
    assert session.get(Upload, data["c_supporting"].id) is not None
    assert session.get(Upload, data["c_pack_kept"].id) is not None
    assert session.get(OutboxMessage, data["c_old_message"].id).recipient == ""
    assert session.get(OutboxMessage, data["c_new_message"].id).recipient != ""
    assert c.anonymised_at is None and c.person("subject") is not None
    # Drafts: the old one went. Files on disk: A's pack file and the old orphan went.
    assert session.get(Draft, "old-draft") is None and session.get(Draft, "new-draft")
    files_after = {p.name for p in store.root.iterdir()}
    assert "0rphanold" not in files_after and "0rphannew" in files_after
    assert len(files_before - files_after) == 2
    assert all(
        u.storage_key in files_after
        for u in session.scalars(select(Upload).where(Upload.storage_key.is_not(None)))
    )

    assert request_statistics(session) == statistics
    # Audited by kind and count, never what was removed; the chain still verifies.
    removed = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "retention_removed")
    ).all()
    assert len(removed) == session.scalar(select(func.count(AuditEvent.id))) - events_before
    assert {(e.request_id, e.detail["kind"], e.detail["count"]) for e in removed} >= {
        (a.id, "request_records", 1),
        (c.id, "identity_documents", 1),
        (None, "orphan_files", 1),
        (None, "unsubmitted_drafts", 1),
    }
    written = " ".join(str(e.detail) for e in removed)
    assert "@example.com" not in written and ".pdf" not in written and "Person" not in written
    assert all(e.personal is None and e.actor_name == "retention" for e in removed)
    assert verify_chain(session).ok


def test_a_second_run_removes_nothing(app, session, store, data):
    run(session, store, app)
    before = counts(session)
    again = run(session, store, app)
    assert again.empty and counts(session) == before


def test_a_legal_hold_keeps_everything_until_lifted(app, session, store, data):
    b = data["B"]
    run(session, store, app)
    assert session.get(DataRequest, b.id).anonymised_at is None
    retention.lift_legal_hold(context(session, NOW), b, DPO)
    done = run(session, store, app)
    assert {(d.kind, d.reference) for d in done.due} == {
        ("identity_documents", b.reference),
        ("disclosure_pack_files", b.reference),
        ("messages", b.reference),
        ("request_records", b.reference),
    }
    assert session.get(DataRequest, b.id).anonymised_at is not None


def test_placing_and_lifting_a_hold_is_audited_and_checked(app, session, data):
    d = data["D"]
    ctx = context(session, NOW)
    with pytest.raises(FieldError):
        retention.place_legal_hold(ctx, d, DPO, "   ")
    retention.place_legal_hold(ctx, d, DPO, "Subject access appeal")
    with pytest.raises(DomainError, match="already"):
        retention.place_legal_hold(ctx, d, DPO, "again")
    retention.lift_legal_hold(ctx, d, DPO)
    actions = [
        e.action
        for e in session.scalars(
            select(AuditEvent).where(AuditEvent.request_id == d.id).order_by(AuditEvent.seq)
        )
    ]
    assert actions[-2:] == ["legal_hold_placed", "legal_hold_lifted"]
    placed = session.scalar(select(AuditEvent).where(AuditEvent.action == "legal_hold_placed"))
    assert placed.detail == {"reason": "Subject access appeal"} and placed.public_detail == {}


def test_the_commands_preview_and_run_with_the_apps_clock(app, session, store, data):
    app.extensions["clock"] = FixedClock(NOW)
    runner = app.test_cli_runner()
    preview = runner.invoke(args=["retention", "preview"])
    assert preview.exit_code == 0
    assert "as of 2033-06-01, the next pass would remove:" in preview.output
    assert f"request_records: 1: {data['A'].reference} (1)" in preview.output
    assert data["B"].reference not in preview.output
    result = runner.invoke(args=["retention", "run"])
    assert result.exit_code == 0 and "removed:" in result.output
    assert "nothing to remove as of 2033-06-01" in runner.invoke(args=["retention", "run"]).output


def test_the_worker_sweep_runs_retention(app, session, store, data):
    app.extensions["clock"] = FixedClock(NOW)
    result = app.test_cli_runner().invoke(args=["sweep", "--once"])
    assert result.exit_code == 0, result.output
    assert "retention: removed" in result.output and "audit: chain head" in result.output
    assert session.get(DataRequest, data["A"].id).anonymised_at is not None


def test_a_complaint_closed_six_years_ago_is_anonymised_like_a_request(app, session, store):
    from tests.factories import make_complaint

    complaint = make_complaint(session, key="old-complaint")
    complaint.closed_on = date(2026, 12, 1)  # (its state is the workflow's business)
    for sent in session.scalars(select(OutboxMessage)):
        sent.status, sent.created_at = "delivered", NOW - timedelta(days=10)
    session.commit()
    statistics = request_statistics(session)
    done = run(session, store, app)
    assert ("request_records", complaint.reference) in {(d.kind, d.reference) for d in done.due}
    session.expire_all()
    assert complaint.anonymised_at is not None and complaint.people == []
    assert request_statistics(session) == statistics
