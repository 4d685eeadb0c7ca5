"""The DPO's audit trail page: the chain's head now and the heads the daily checks recorded,
with a warning when the last check failed."""

from sqlalchemy import create_engine, select, text

from portal.domain.audit import daily_check
from portal.extensions import db
from portal.models import AuditChainHead
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
