"""Staff accounts and sign-in for tests: real argon2 passwords and real TOTP codes."""

import pyotp

from portal.deadlines.calendar import now_utc
from portal.domain.staff_accounts import create_staff
from portal.extensions import db
from portal.models import AuditActor, StaffUser
from portal.runtime import definition

PASSWORD = "kettle-harbour-violet-93"  # noqa: S105


def make_staff(
    role="dpo", services=(), email=None, name=None, two_factor=True, temporary_password=False
) -> StaffUser:
    """An account; by default with two-factor already set up and a password of its own, so a
    test can sign straight in."""
    email = email or f"{role}-{'-'.join(services) or 'all'}@example.gov.uk"
    user = create_staff(
        db.session,
        email=email,
        full_name=name or f"{role.title()} {' '.join(services)}".strip(),
        role=role,
        password=PASSWORD,
        services=list(services),
        known_services=definition().routing.services,
        actor=AuditActor.system("test"),
        temporary_password=temporary_password,
    )
    if two_factor:
        user.totp_secret = pyotp.random_base32()
        user.totp_confirmed = True
        db.session.commit()
    return user


def current_code(user: StaffUser) -> str:
    return pyotp.TOTP(user.totp_secret).at(now_utc())


def sign_in(client, user: StaffUser) -> None:
    """Password then code, as a person would. Clears the last-used code step first so one test
    can sign the same person in twice within 30 seconds."""
    user.last_totp_step = None
    db.session.commit()
    response = client.post("/staff/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response.location.endswith("/staff/two-factor")
    response = client.post("/staff/two-factor", data={"code": current_code(user)})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
