"""Staff sign-in: password (argon2), TOTP set-up and use, lock-out, idle timeout, sign-out
everywhere and deactivation ending sessions."""

import pyotp
import pytest
from sqlalchemy import select

from portal.deadlines.calendar import now_utc
from portal.domain import DomainError
from portal.domain.staff_accounts import (
    check_password,
    decide_grant,
    is_locked,
    password_problem,
    pending_grant,
)
from portal.extensions import db
from portal.models import AuditActor, AuditEvent, StaffUser
from tests.helpers import error_summary
from tests.staff_helpers import PASSWORD, current_code, make_staff, sign_in


def test_first_sign_in_sets_up_two_factor_with_a_qr_code(client_request, session):
    from portal.domain.staff_accounts import create_staff
    from portal.runtime import definition

    user = create_staff(
        session,
        email="New.Person@example.gov.uk",
        full_name="New Person",
        role="dpo",
        password=PASSWORD,
        services=[],
        known_services=definition().routing.services,
        actor=AuditActor.system("test"),
    )
    assert user.email == "new.person@example.gov.uk"
    assert user.password_hash.startswith("$argon2id$")
    response = client_request.post(
        "/staff/sign-in", {"email": "new.person@example.gov.uk", "password": PASSWORD}
    )
    assert response.location.endswith("/staff/two-factor/set-up")
    page = client_request.get("/staff/two-factor/set-up")
    qr = page.select_one("img[src^='data:image/svg+xml']")
    assert qr is not None and "QR code" in qr["alt"]
    session.refresh(user)
    assert user.totp_secret and not user.totp_confirmed
    shown_key = page.find("code").get_text().replace(" ", "")
    assert shown_key == user.totp_secret

    page = client_request.post("/staff/two-factor/set-up", {"code": "000000"}, 200)
    assert error_summary(page)[0][0].startswith("The code is not correct")
    page = client_request.post("/staff/two-factor/set-up", {"code": "12ab"}, 200)
    assert error_summary(page) == [("The code must be 6 numbers", "#code")]

    code = pyotp.TOTP(user.totp_secret).now()
    response = client_request.post("/staff/two-factor/set-up", {"code": code})
    # The password was set by someone else: it must be replaced before anything else opens.
    assert response.location.endswith("/staff/password")
    session.refresh(user)
    assert user.totp_confirmed and user.must_change_password
    assert client_request.client.get("/staff/requests").location.endswith("/staff/password")
    page = client_request.get("/staff/password")
    assert page.h1.get_text(strip=True) == "Choose a new password"


NEW_PASSWORD = "lantern-orchard-copper-58"


@pytest.mark.parametrize(
    ("form", "errors"),
    [
        (
            {},
            [
                ("Enter your current password", "#current_password"),
                ("Enter a new password", "#new_password"),
                ("Enter your new password again", "#confirm_password"),
            ],
        ),
        (
            {"current_password": "wrong-password-1", "new_password": NEW_PASSWORD},
            [("Your current password is not correct", "#current_password")],
        ),
        (
            {"current_password": PASSWORD, "new_password": "short"},
            [("Password must be 12 characters or more", "#new_password")],
        ),
        (
            # About the new password, not the email field the page does not even have.
            {"current_password": PASSWORD, "new_password": "{local}-rocks-2026"},
            [("Password must not contain your email address", "#new_password")],
        ),
        (
            {"current_password": PASSWORD, "new_password": PASSWORD},
            [("Your new password must be different from your current password", "#new_password")],
        ),
        (
            {
                "current_password": PASSWORD,
                "new_password": NEW_PASSWORD,
                "confirm_password": NEW_PASSWORD + "x",
            },
            [("The passwords do not match", "#confirm_password")],
        ),
    ],
)
def test_changing_a_password_refuses_bad_input_and_keeps_the_old_one(
    client_request, session, form, errors
):
    user = make_staff()
    user.must_change_password = True
    session.commit()
    sign_in(client_request.client, user)
    if "new_password" in form:
        form["new_password"] = form["new_password"].replace("{local}", user.email.split("@")[0])
        form.setdefault("confirm_password", form["new_password"])
    page = client_request.post("/staff/password", form, expected_status=200)
    assert error_summary(page) == errors
    session.refresh(user)
    assert user.must_change_password
    assert check_password(session, user.email, PASSWORD, now_utc()).user is not None


def test_changing_a_password_ends_other_sessions_but_not_this_one(app, client_request, session):
    user = make_staff()
    user.must_change_password = True
    session.commit()
    other = app.test_client()
    sign_in(other, user)
    sign_in(client_request.client, user)
    response = client_request.post(
        "/staff/password",
        {
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    assert response.location.endswith("/staff/requests")
    page = client_request.get("/staff/requests")
    assert "Your password has been changed" in page.get_text()
    assert other.get("/staff/requests").status_code == 302  # signed out there
    session.refresh(user)
    assert not user.must_change_password
    assert check_password(session, user.email, NEW_PASSWORD, now_utc()).user is not None
    assert check_password(session, user.email, PASSWORD, now_utc()).user is None
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "staff_password_changed"))


def test_wrong_password_and_unknown_email_get_the_same_answer(client_request, app):
    make_staff()
    wrong = client_request.post(
        "/staff/sign-in", {"email": "dpo-all@example.gov.uk", "password": "nope" * 4}, 200
    )
    unknown = client_request.post(
        "/staff/sign-in", {"email": "nobody@example.gov.uk", "password": "nope" * 4}, 200
    )
    assert error_summary(wrong) == error_summary(unknown)
    assert error_summary(wrong)[0][0] == "Enter the correct email address and password"
    empty = client_request.post("/staff/sign-in", {}, 200)
    assert error_summary(empty) == [
        ("Enter your email address", "#email"),
        ("Enter your password", "#password"),
    ]
    assert client_request.client.get("/staff/requests").status_code == 302


def test_five_wrong_passwords_lock_this_client_out_of_the_account(client_request, session, app):
    user = make_staff()
    for _ in range(5):
        client_request.post("/staff/sign-in", {"email": user.email, "password": "x" * 12}, 200)
    assert is_locked(user, now_utc(), "127.0.0.1")
    # Even the right password is refused to this client while locked...
    client_request.post("/staff/sign-in", {"email": user.email, "password": PASSWORD}, 200)
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "staff_locked"))
    # ...but not to the account's owner, somewhere else.
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.44"
    response = elsewhere.post("/staff/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response.location.endswith("/staff/two-factor")


def test_a_password_alone_does_not_sign_in(client_request, session):
    user = make_staff()
    client_request.post("/staff/sign-in", {"email": user.email, "password": PASSWORD})
    response = client_request.client.get("/staff/requests")
    assert response.status_code == 302 and "/staff/sign-in" in response.location


def test_a_code_cannot_be_used_twice(client, session):
    user = make_staff()
    sign_in(client, user)
    code = pyotp.TOTP(user.totp_secret).at(user.last_totp_step * 30)
    client.post("/staff/sign-out", data={})
    client.post("/staff/sign-in", data={"email": user.email, "password": PASSWORD})
    response = client.post("/staff/two-factor", data={"code": code})
    assert response.status_code == 200
    assert "not correct or has already been used" in response.get_data(as_text=True)


def test_wrong_codes_count_towards_the_lock_out(client, session):
    user = make_staff()
    client.post("/staff/sign-in", data={"email": user.email, "password": PASSWORD})
    wrong = f"{(int(current_code(user)) + 1) % 1000000:06d}"
    for _ in range(5):
        client.post("/staff/two-factor", data={"code": wrong})
    assert is_locked(user, now_utc(), "127.0.0.1")
    response = client.post("/staff/two-factor", data={"code": current_code(user)})
    assert response.status_code == 200  # refused while locked


def test_idle_sessions_end(client, session):
    user = make_staff()
    sign_in(client, user)
    assert client.get("/staff/requests").status_code == 200
    with client.session_transaction("/staff/") as cookie:
        cookie["staff_seen"] -= 31 * 60
    response = client.get("/staff/requests")
    assert response.status_code == 302 and response.location.endswith("/staff/sign-in")
    page = client.get("/staff/sign-in").get_data(as_text=True)
    assert "signed out because you were inactive" in page
    assert client.get("/staff/requests").status_code == 302


def test_sign_out_everywhere_ends_other_sessions(make_app, app):
    user = make_staff()
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, user)
    sign_in(phone, user)
    assert phone.get("/staff/requests").status_code == 200
    laptop.post("/staff/sign-out", data={"everywhere": "1"})
    assert laptop.get("/staff/requests").status_code == 302
    assert phone.get("/staff/requests").status_code == 302


def test_deactivating_an_account_ends_its_sessions(app):
    admin = make_staff("admin")
    worker = make_staff("caseworker", ["housing"])
    admins_browser, workers_browser = app.test_client(), app.test_client()
    sign_in(admins_browser, admin)
    sign_in(workers_browser, worker)
    assert workers_browser.get("/staff/requests").status_code == 200
    refused = admins_browser.post(f"/staff/accounts/{worker.id}/active", data={"active": "0"})
    assert refused.status_code == 200  # a reason is needed first (the audit trail keeps it)
    assert workers_browser.get("/staff/requests").status_code == 200
    admins_browser.post(
        f"/staff/accounts/{worker.id}/active", data={"active": "0", "reason": "Left the council"}
    )
    assert workers_browser.get("/staff/requests").status_code == 302
    response = workers_browser.post(
        "/staff/sign-in", data={"email": worker.email, "password": PASSWORD}
    )
    assert response.status_code == 200  # a deactivated account cannot sign in


def test_sign_in_goes_back_to_the_page_asked_for_but_never_off_site(client, session):
    user = make_staff()
    client.get("/staff/messages")
    sign_in(client, user)
    # sign_in() followed the redirect chain's first hop only; the code step sent us back.
    with client.session_transaction("/staff/") as cookie:
        assert "next" not in cookie
    client.post("/staff/sign-out", data={})
    with client.session_transaction("/staff/") as cookie:
        cookie["next"] = "//evil.example/staff/"
    user.last_totp_step = None
    db.session.commit()
    client.post("/staff/sign-in", data={"email": user.email, "password": PASSWORD})
    response = client.post("/staff/two-factor", data={"code": current_code(user)})
    assert response.location.endswith("/staff/requests")


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", "12 characters or more"),
        ("Password1234", "too easy to guess"),
        ("aaaaaaaaaaaaaa", "too easy to guess"),
        ("dana.price-rocks-2026", "must not contain your email"),
        ("kettle-harbour-violet-93", None),
    ],
)
def test_password_rules(password, problem):
    found = password_problem(password, "dana.price@example.gov.uk")
    assert (found is None) if problem is None else (problem in found)


def test_admin_creates_accounts_with_bad_input_shown_and_nothing_stored(client_request, session):
    admin = make_staff("admin")
    sign_in(client_request.client, admin)
    page = client_request.post("/staff/accounts/new", {}, 200)
    assert [href for _, href in error_summary(page)] == [
        "#full_name",
        "#email",
        "#role",
        "#password",
    ]
    page = client_request.post(
        "/staff/accounts/new",
        {
            "full_name": "Casey Worker",
            "email": "casey@example.gov.uk",
            "role": "caseworker",
            "password": PASSWORD,
        },
        200,
    )
    assert error_summary(page) == [
        ("A caseworker must belong to at least one service", "#services")
    ]
    page = client_request.post(
        "/staff/accounts/new",
        {
            "full_name": "Casey Worker",
            "email": "casey@example.gov.uk",
            "role": "caseworker",
            "services": "education",
            "password": "password1234",
        },
        200,
    )
    assert "too easy to guess" in error_summary(page)[0][0]
    page = client_request.post(
        "/staff/accounts/new",
        {
            "full_name": "Casey Worker",
            "email": "casey.worker@example.gov.uk",
            "role": "caseworker",
            "services": "education",
            "password": "casey.worker-rocks-2026",
        },
        200,
    )
    assert error_summary(page) == [("Password must not contain your email address", "#password")]
    assert page.select_one("#email-error") is None
    assert (
        session.scalar(select(StaffUser).where(StaffUser.email == "casey@example.gov.uk")) is None
    )
    client_request.post(
        "/staff/accounts/new",
        {
            "full_name": "Casey Worker",
            "email": "casey@example.gov.uk",
            "role": "caseworker",
            "services": "education",
            "password": PASSWORD,
        },
    )
    made = session.scalar(select(StaffUser).where(StaffUser.email == "casey@example.gov.uk"))
    assert made.services == ["education"] and not made.totp_confirmed
    assert made.must_change_password
    page = client_request.get("/staff/accounts")
    assert "Account created for Casey Worker" in page.get_text()
    row = next(tr for tr in page.select("tbody tr") if "casey@example.gov.uk" in tr.get_text())
    assert "Caseworker" in row.get_text() and "Education" in row.get_text()


def test_staff_create_command(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "staff",
            "create",
            "--email",
            "sam@example.gov.uk",
            "--name",
            "Sam Field",
            "--role",
            "caseworker",
            "--service",
            "housing",
            "--password",
            PASSWORD,
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(StaffUser).where(StaffUser.email == "sam@example.gov.uk"))
    assert user.services == ["housing"]
    again = runner.invoke(
        args=["staff", "create", "--email", "x@example.gov.uk", "--name", "X", "--role", "dpo"],
        input="short\nshort\n",
    )
    assert again.exit_code == 2 and "12 characters" in again.output


def test_demo_accounts_are_refused_in_production(make_app):
    from tests.notify_server import API_KEY, template_ids

    app = make_app(
        PRODUCTION=True,
        CLAMD_HOST="127.0.0.1",
        NOTIFY_API_KEY=API_KEY,
        NOTIFY_TEMPLATE_IDS=template_ids(),
    )
    result = app.test_cli_runner().invoke(args=["staff", "demo"])
    assert result.exit_code == 2 and "not available in production" in result.output


def test_a_caseworker_needs_a_known_service():
    from portal.domain.staff_accounts import create_staff

    with pytest.raises(DomainError, match="Unknown service"):
        create_staff(
            db.session,
            email="a@example.gov.uk",
            full_name="A",
            role="caseworker",
            password=PASSWORD,
            services=["nowhere"],
            known_services={"housing": None},
            actor=AuditActor.system("test"),
        )


def admin_and_a_signed_in_caseworker(app, client_request):
    """An administrator signed in on client_request, and a housing caseworker in another
    browser."""
    sign_in(client_request.client, make_staff("admin"))
    worker = make_staff("caseworker", ["housing"])
    workers_browser = app.test_client()
    sign_in(workers_browser, worker)
    return worker, workers_browser


def test_admin_changes_a_caseworkers_services_and_their_sessions_end(app, client_request):
    worker, workers_browser = admin_and_a_signed_in_caseworker(app, client_request)

    page = client_request.get(f"/staff/accounts/{worker.id}")
    assert page.select_one("input[name=role][value=caseworker]").has_attr("checked")
    assert page.select_one("input[name=services][value=housing]").has_attr("checked")

    # Bad input: shown in the error summary, nothing changed.
    page = client_request.post(
        f"/staff/accounts/{worker.id}", {"role": "caseworker"}, expected_status=200
    )
    assert error_summary(page) == [
        ("A caseworker must belong to at least one service", "#services")
    ]
    page = client_request.post(
        f"/staff/accounts/{worker.id}",
        {"role": "dpo", "services": "education"},
        expected_status=200,
    )
    assert error_summary(page) == [("Only caseworkers belong to services", "#services")]
    db.session.refresh(worker)
    assert worker.services == ["housing"]
    assert workers_browser.get("/staff/requests").status_code == 200

    # Another service means more requests to see: it waits for a DPO's approval.
    client_request.post(
        f"/staff/accounts/{worker.id}", {"role": "caseworker", "services": ["education", "housing"]}
    )
    assert "waiting for a Data Protection Officer" in client_request.get("/staff/accounts").text
    db.session.refresh(worker)
    assert worker.services == ["housing"]
    assert workers_browser.get("/staff/requests").status_code == 200  # nothing changed yet
    grant = pending_grant(db.session, worker)
    decide_grant(
        db.session,
        grant.id,
        approve=True,
        reason="",
        actor=AuditActor.staff(make_staff("dpo")),
        now=now_utc(),
    )
    db.session.refresh(worker)
    assert worker.services == ["education", "housing"]
    assert workers_browser.get("/staff/requests").status_code == 302  # signed out
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "staff_access_approved")
    )
    assert event.detail["from"] == {"role": "caseworker", "services": ["housing"]}
    assert event.detail["to"] == {"role": "caseworker", "services": ["education", "housing"]}
    # Taking a service away needs nobody's approval.
    client_request.post(
        f"/staff/accounts/{worker.id}", {"role": "caseworker", "services": ["education"]}
    )
    db.session.refresh(worker)
    assert worker.services == ["education"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "staff_access_changed"))
    assert event.detail["to"] == {"role": "caseworker", "services": ["education"]}
    assert "access has been changed" in client_request.get("/staff/accounts").get_text()


def test_an_admin_cannot_remove_their_own_admin_role(client_request):
    admin = make_staff("admin")
    sign_in(client_request.client, admin)
    page = client_request.post(f"/staff/accounts/{admin.id}", {"role": "dpo"}, expected_status=200)
    assert error_summary(page) == [("You cannot take away your own administrator role", "#role")]
    db.session.refresh(admin)
    assert admin.role == "admin"


def test_resetting_two_factor_makes_them_set_it_up_again(app, client_request):
    worker, workers_browser = admin_and_a_signed_in_caseworker(app, client_request)

    client_request.post(f"/staff/accounts/{worker.id}/reset-two-factor", {"reason": "Lost phone"})
    assert workers_browser.get("/staff/requests").status_code == 302
    db.session.refresh(worker)
    assert not worker.totp_confirmed and worker.totp_secret is None
    response = workers_browser.post(
        "/staff/sign-in", data={"email": worker.email, "password": PASSWORD}
    )
    assert response.location.endswith("/staff/two-factor/set-up")
    page = workers_browser.get("/staff/two-factor/set-up").get_data(as_text=True)
    assert "Scan this QR code" in page
    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "staff_two_factor_reset")
    )


def test_the_services_page_lists_routing_and_caseworkers(client_request):
    make_staff("caseworker", ["housing"], name="Hana Okafor")
    sign_in(client_request.client, make_staff("dpo"))
    page = client_request.get("/staff/services")
    cards = {
        card.select_one(".govuk-summary-card__title").get_text(strip=True): card.get_text(" ")
        for card in page.select(".govuk-summary-card")
    }
    assert "Hana Okafor" in cards["Temporary Accommodation and Housing Needs"]
    assert "Nobody yet" in cards["Education"]
    assert "accommodation and housing needs" in cards["Temporary Accommodation and Housing Needs"]


def test_guessing_the_current_password_locks_the_account_and_ends_the_session(client_request):
    user = make_staff()
    sign_in(client_request.client, user)
    wrong = {
        "current_password": "not-my-password-1",
        "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD,
    }
    for _ in range(4):
        client_request.post("/staff/password", wrong, expected_status=200)
    response = client_request.post("/staff/password", wrong)
    assert response.location.endswith("/staff/sign-in")
    page = client_request.get("/staff/sign-in")
    assert "wrong too many times" in page.get_text()
    assert client_request.client.get("/staff/requests").status_code == 302
    assert is_locked(user, now_utc(), "127.0.0.1")
