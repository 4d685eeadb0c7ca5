"""Separation of duties: an administrator cannot on their own give anyone a role that sees
request content (DPO, caseworker, or another service). The change waits for a DPO's approval;
both the request and the decision are audited. The first DPO is made on the command line."""

import pytest
from sqlalchemy import select

from portal.deadlines.calendar import now_utc
from portal.domain import DomainError
from portal.domain.staff_accounts import check_password, decide_grant
from portal.extensions import db
from portal.models import AuditActor, AuditEvent, RoleGrant, StaffUser
from tests.helpers import error_summary, normalise
from tests.staff_helpers import PASSWORD, make_staff, sign_in

NEW_PASSWORD = "orchard-lantern-copper-58"  # noqa: S105


@pytest.fixture
def people(app):
    return {
        "admin": make_staff("admin", name="Ali Admin", email="ali.sod@example.gov.uk"),
        "dpo": make_staff("dpo", name="Dana Price", email="dana.sod@example.gov.uk"),
        "dpo2": make_staff("dpo", name="Dev Patel", email="dev.sod@example.gov.uk"),
        "housing": make_staff(
            "caseworker", ["housing"], name="Hana Okafor", email="hana.sod@example.gov.uk"
        ),
    }


@pytest.fixture
def as_(app, people, client_request):
    def sign_in_as(who):
        client = app.test_client()
        sign_in(client, people[who])
        client_request.client = client
        return client_request

    return sign_in_as


def actions() -> list[tuple[str, str]]:
    return [
        (e.action, e.actor_name)
        for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        if e.action.startswith("staff_access") or e.action == "staff_created"
        if e.actor_kind == "staff"
    ]


def only_grant() -> RoleGrant:
    return db.session.scalars(select(RoleGrant)).one()


def test_an_account_an_admin_makes_as_dpo_cannot_sign_in_until_a_dpo_approves(people, as_):
    admin = as_("admin")
    admin.post(
        "/staff/accounts/new",
        {
            "full_name": "Mo Reed",
            "email": "mo.sod@example.gov.uk",
            "role": "dpo",
            "password": NEW_PASSWORD,
        },
    )
    page = admin.get("/staff/accounts")
    assert "once a Data Protection Officer approves" in normalise(page.get_text(" "))
    mo = db.session.scalar(select(StaffUser).where(StaffUser.email == "mo.sod@example.gov.uk"))
    assert mo.awaiting_approval
    row = next(r for r in page.select("tbody tr") if "Mo Reed" in r.get_text())
    assert "Waiting for approval" in row.get_text() and not row.select("button")
    # The right password gets the same answer as a wrong one, on the page and in the domain.
    assert check_password(db.session, mo.email, NEW_PASSWORD, now_utc()).user is None
    response = admin.client.application.test_client().post(
        "/staff/sign-in", data={"email": mo.email, "password": NEW_PASSWORD}
    )
    assert response.status_code == 200 and "/two-factor" not in (response.location or "")
    # Nor can the administrator switch it on.
    admin.post(f"/staff/accounts/{mo.id}/active", {"active": "1"}, expected_status=400)
    db.session.refresh(mo)
    assert mo.awaiting_approval

    dpo = as_("dpo")
    listing = normalise(dpo.get("/staff/access-approvals").get_text(" "))
    assert "Mo Reed" in listing and "New account: none" in listing and "Ali Admin" in listing
    grant = only_grant()
    page = dpo.get(f"/staff/access-approvals/{grant.id}")
    assert page.select_one("input[name=decision][value=approve]")
    dpo.post(f"/staff/access-approvals/{grant.id}", {"decision": "approve"})
    db.session.refresh(mo)
    assert not mo.awaiting_approval and mo.role == "dpo"
    assert check_password(db.session, mo.email, NEW_PASSWORD, now_utc()).user is not None
    assert "Nothing is waiting" in dpo.get("/staff/access-approvals").get_text()
    assert actions() == [
        ("staff_created", "Ali Admin"),
        ("staff_access_requested", "Ali Admin"),
        ("staff_access_approved", "Dana Price"),
    ]


def test_a_role_change_waits_and_a_rejection_needs_a_reason(people, as_):
    hana = people["housing"]
    as_("admin").post(f"/staff/accounts/{hana.id}", {"role": "dpo"})
    db.session.refresh(hana)
    assert hana.role == "caseworker" and hana.services == ["housing"]  # unchanged until approved
    page = as_("admin").get(f"/staff/accounts/{hana.id}")
    assert "Waiting for a Data Protection Officer’s approval: Data Protection Officer" in (
        normalise(page.get_text(" "))
    )
    grant = only_grant()

    dpo = as_("dpo")
    url = f"/staff/access-approvals/{grant.id}"
    page = dpo.post(url, {}, 200)
    assert error_summary(page) == [("Select whether you approve this access", "#decision")]
    page = dpo.post(url, {"decision": "reject", "reason": "  "}, 200)
    assert error_summary(page) == [("Enter why you are rejecting this change", "#reason")]
    dpo.post(url, {"decision": "reject", "reason": "Not in the DPO's team."})
    db.session.refresh(hana)
    assert hana.role == "caseworker"
    rejected = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "staff_access_rejected")
    )
    assert rejected.detail["reason"] == "Not in the DPO's team."
    assert rejected.actor_name == "Dana Price"
    dpo.get(url, expected_status=404)  # decided: no longer waiting


def test_less_access_needs_no_approval(people, as_):
    hana = people["housing"]
    as_("admin").post(f"/staff/accounts/{hana.id}", {"role": "admin"})
    db.session.refresh(hana)
    assert hana.role == "admin"
    assert db.session.scalars(select(RoleGrant)).all() == []


def test_nobody_decides_on_their_own_access(people, as_):
    dana = people["dpo"]
    as_("admin").post(f"/staff/accounts/{dana.id}", {"role": "caseworker", "services": "housing"})
    grant = only_grant()
    page = as_("dpo").post(f"/staff/access-approvals/{grant.id}", {"decision": "approve"}, 200)
    assert error_summary(page) == [
        ("You cannot decide on your own access or on a change you asked for", None)
    ]
    db.session.refresh(dana)
    assert dana.role == "dpo"
    as_("dpo2").post(f"/staff/access-approvals/{grant.id}", {"decision": "approve"})
    db.session.refresh(dana)
    assert dana.role == "caseworker" and dana.services == ["housing"]


def test_only_a_dpo_decides_and_only_once(people):
    admin = people["admin"]
    hana = people["housing"]
    from portal.domain.staff_accounts import change_access
    from portal.runtime import definition

    change_access(
        db.session,
        hana,
        role="caseworker",
        services=["housing", "education"],
        known_services=definition().routing.services,
        actor=AuditActor.staff(admin),
    )
    grant = only_grant()
    with pytest.raises(DomainError, match="Only a Data Protection Officer"):
        decide_grant(
            db.session, grant.id, approve=True, reason="", actor=AuditActor.staff(admin),
            now=now_utc(),
        )  # fmt: skip
    dpo = AuditActor.staff(people["dpo"])
    decide_grant(db.session, grant.id, approve=True, reason="", actor=dpo, now=now_utc())
    with pytest.raises(DomainError, match="already been decided"):
        decide_grant(db.session, grant.id, approve=False, reason="x", actor=dpo, now=now_utc())
    db.session.refresh(hana)
    assert hana.services == ["housing", "education"]


def test_the_first_dpo_is_made_on_the_command_line(app):
    result = app.test_cli_runner().invoke(
        args=[
            "staff", "create", "--email", "first.dpo@example.gov.uk", "--name", "First DPO",
            "--role", "dpo", "--password", PASSWORD,
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(StaffUser).where(StaffUser.email == "first.dpo@example.gov.uk"))
    assert user.role == "dpo" and not user.awaiting_approval
    assert db.session.scalars(select(RoleGrant)).all() == []
