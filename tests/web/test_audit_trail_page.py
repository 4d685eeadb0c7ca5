"""The DPO's audit trail page (the chain's head now and the heads the daily checks recorded,
with a warning when the last check failed) and a request's legal hold."""

from sqlalchemy import create_engine, select, text

from portal.domain.audit import daily_check
from portal.extensions import db
from portal.models import AuditChainHead, DataRequest
from tests.conftest import TEST_DATABASE_URL
from tests.factories import context, make_request
from tests.helpers import normalise
from tests.staff_helpers import make_staff, sign_in


def test_the_dpo_sees_the_head_and_the_recorded_checks(client, client_request, session):
    dpo = make_staff("dpo", email="audit.page.dpo@example.gov.uk")
    make_request(session)
    daily_check(context(session))
    sign_in(client, dpo)
    page = client_request.get("/staff/audit-trail")
    head = session.scalar(select(AuditChainHead))
    text_of_page = normalise(page.get_text())
    assert page.h1.get_text(strip=True) == "Audit trail"
    assert head.hash in text_of_page and "Verified" in text_of_page
    assert "The last check of the audit trail failed" not in text_of_page


def test_a_failed_check_is_shown_as_a_warning(client, client_request, session, owner_database_url):
    dpo = make_staff("dpo", email="audit.page.dpo2@example.gov.uk")
    make_request(session)
    engine = create_engine(owner_database_url)
    with engine.begin() as conn:
        if TEST_DATABASE_URL:
            conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER audit_event_no_update"))
        conn.execute(text("UPDATE audit_event SET action = 'forged' WHERE seq = 2"))
    engine.dispose()
    daily_check(context(session))
    sign_in(client, dpo)
    page = normalise(client_request.get("/staff/audit-trail").get_text())
    assert "The last check of the audit trail failed: event 2" in page


def test_caseworkers_cannot_see_it(client, session):
    worker = make_staff("caseworker", services=("housing",), email="audit.page.cw@example.gov.uk")
    sign_in(client, worker)
    assert client.get("/staff/audit-trail").status_code == 403
    db.session.rollback()


def test_the_dpo_places_and_lifts_a_legal_hold_from_the_request_page(
    client, client_request, session
):
    dpo = make_staff("dpo", email="legal.hold.dpo@example.gov.uk")
    request = make_request(session, key="hold-web")
    sign_in(client, dpo)
    page = normalise(client_request.get(f"/staff/requests/{request.reference}").get_text())
    assert "Legal hold None: kept as the retention schedule says" in page
    url = f"/staff/requests/{request.reference}/legal-hold"
    form = client_request.get(url)
    version = form.find("input", {"name": "version"})["value"]
    blank = client.post(url, data={"version": version, "reason": "  "})
    assert blank.status_code == 200 and "Enter why the request must be kept" in blank.text
    client_request.post(url, data={"version": version, "reason": "ICO investigation"})
    session.expire_all()
    held = session.get(DataRequest, request.id)
    assert held.legal_hold_reason == "ICO investigation" and held.legal_hold_by == dpo.full_name
    page = normalise(client_request.get(f"/staff/requests/{request.reference}").get_text())
    assert "On hold since" in page and "ICO investigation" in page
    stale = client.post(url, data={"version": version})  # made before the hold: refused
    assert stale.status_code == 200
    client_request.post(url, data={"version": str(held.version)})
    session.expire_all()
    assert session.get(DataRequest, request.id).legal_hold_reason is None
