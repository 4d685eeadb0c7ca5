"""Staff accounts: creation, passwords (argon2), TOTP two-factor, lock-out, and ending every
session at once. No request context needed."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.content import CONTENT
from portal.domain import DomainError, FieldError, as_utc
from portal.domain.passwords import HASHER
from portal.models import STAFF_ROLES, AuditActor, AuditEvent, StaffUser

MIN_PASSWORD_LENGTH = 12
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)


def _common_passwords() -> frozenset[str]:
    text = (CONTENT / "common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


COMMON_PASSWORDS = _common_passwords()


def password_problem(password: str, email: str = "") -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must be {MIN_PASSWORD_LENGTH} characters or more"
    if len(password) > 200:
        return "Password must be 200 characters or fewer"
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) < 4:
        return "Password is too easy to guess – choose a less common one"
    local = email.split("@")[0].lower()
    if local and len(local) >= 4 and local in lowered:
        return "Password must not contain your email address"
    return None


def find_by_email(session: Session, email: str) -> StaffUser | None:
    return session.scalar(
        select(StaffUser).where(func.lower(StaffUser.email) == email.strip().lower())
    )


def create_staff(
    session: Session,
    *,
    email: str,
    full_name: str,
    role: str,
    password: str,
    services: list[str],
    known_services,
    actor: AuditActor,
    temporary_password: bool = True,
) -> StaffUser:
    """A new account. The password is temporary unless said otherwise (demo accounts): whoever
    set it knows it, so its owner must replace it at their first sign-in."""
    email = email.strip().lower()
    _check_role_and_services(role, services, known_services)
    problem = password_problem(password, email)
    if problem:
        raise FieldError("password", problem)
    if find_by_email(session, email):
        raise FieldError("email", "There is already a staff account with this email address")
    user = StaffUser(
        email=email,
        full_name=full_name.strip(),
        role=role,
        services=list(services),
        password_hash=HASHER.hash(password),
        must_change_password=temporary_password,
    )
    session.add(user)
    session.flush()
    _audit(session, actor, "staff_created", {"staff": user.email, "role": role})
    session.commit()
    return user


def _check_role_and_services(role: str, services: list[str], known_services) -> None:
    if role not in STAFF_ROLES:
        raise FieldError("role", f"Role must be one of: {', '.join(STAFF_ROLES)}")
    unknown = [s for s in services if s not in known_services]
    if unknown:
        raise FieldError("services", f"Unknown service: {', '.join(unknown)}")
    if role == "caseworker" and not services:
        raise FieldError("services", "A caseworker must belong to at least one service")
    if role != "caseworker" and services:
        raise FieldError("services", "Only caseworkers belong to services")


def change_access(
    session: Session,
    user: StaffUser,
    *,
    role: str,
    services: list[str],
    known_services,
    actor: AuditActor,
) -> None:
    """A new role or set of services. Every session of theirs ends, so nobody keeps working
    with access they no longer have, and the audit trail records the before and after."""
    _check_role_and_services(role, services, known_services)
    before = {"role": user.role, "services": list(user.services)}
    after = {"role": role, "services": list(services)}
    if before == after:
        return
    user.role, user.services = role, list(services)
    user.session_epoch += 1
    _audit(
        session, actor, "staff_access_changed", {"staff": user.email, "from": before, "to": after}
    )
    session.commit()


def reset_two_factor(session: Session, user: StaffUser, actor: AuditActor) -> None:
    """For a lost or replaced phone: they set two-factor up again at their next sign-in, and
    every session of theirs ends now."""
    user.totp_secret, user.totp_confirmed, user.last_totp_step = None, False, None
    user.session_epoch += 1
    _audit(session, actor, "staff_two_factor_reset", {"staff": user.email})
    session.commit()


@dataclass
class SignInResult:
    user: StaffUser | None = None
    locked: bool = False


def check_password(session: Session, email: str, password: str, now: datetime) -> SignInResult:
    """First factor. Repeated failures lock the account for a while; the answer for a locked,
    inactive or unknown account is the same as for a wrong password, except that a locked
    account is told it is locked (only after a correct password, so this leaks nothing)."""
    user = find_by_email(session, email)
    if user is None or not user.active:
        _burn(password)
        return SignInResult()
    if is_locked(user, now):
        _burn(password)
        return SignInResult(locked=True)
    try:
        HASHER.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        record_failure(session, user, now)
        return SignInResult(locked=is_locked(user, now))
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = HASHER.hash(password)
    session.commit()
    return SignInResult(user=user)


def _burn(password: str) -> None:
    # An unknown email still costs one argon2 verification, so the response time does not
    # tell which emails have accounts.
    HASHER.burn(password)


def is_locked(user: StaffUser, now: datetime) -> bool:
    return user.locked_until is not None and as_utc(user.locked_until) > now


def record_failure(session: Session, user: StaffUser, now: datetime) -> None:
    user.failed_attempts += 1
    if user.failed_attempts >= MAX_FAILURES:
        user.locked_until = now + LOCKOUT
        user.failed_attempts = 0
        _audit(session, AuditActor.system("system"), "staff_locked", {"staff": user.email})
    session.commit()


def new_totp_secret(session: Session, user: StaffUser) -> str:
    if user.totp_confirmed:
        raise DomainError("Two-factor authentication is already set up")
    if not user.totp_secret:
        user.totp_secret = pyotp.random_base32()
        session.commit()
    return user.totp_secret


def totp_uri(user: StaffUser, issuer: str) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=issuer)


def check_totp(session: Session, user: StaffUser, code: str, now: datetime) -> bool:
    """Second factor: a 6-digit code, one step either side allowed for clock drift, and each
    code usable once."""
    code = "".join(code.split())
    totp = pyotp.TOTP(user.totp_secret or "")
    if is_locked(user, now):
        return False
    for drift in (0, -1, 1):
        moment = now + timedelta(seconds=30 * drift)
        step = totp.timecode(moment)
        if code.isdigit() and totp.verify(code, for_time=moment, valid_window=0):
            if user.last_totp_step is not None and step <= user.last_totp_step:
                break  # replayed
            user.last_totp_step = step
            user.totp_confirmed = True
            user.failed_attempts = 0
            user.last_sign_in_at = now
            session.commit()
            return True
    record_failure(session, user, now)
    return False


def record_sign_in(session: Session, user: StaffUser) -> None:
    """Both factors passed: the sign-in goes in the audit trail."""
    _audit(session, AuditActor.staff(user), "staff_signed_in", {})
    session.commit()


def change_password(
    session: Session, user: StaffUser, current: str, new: str, now: datetime, actor: AuditActor
) -> None:
    """Their own new password. A wrong current password counts towards the lock-out; every
    other session of theirs ends."""
    try:
        HASHER.verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        record_failure(session, user, now)
        raise FieldError("current_password", "Your current password is not correct") from None
    problem = password_problem(new, user.email)
    if problem:
        raise FieldError("new_password", problem)
    if new == current:
        raise FieldError(
            "new_password", "Your new password must be different from your current password"
        )
    user.password_hash = HASHER.hash(new)
    user.must_change_password = False
    user.session_epoch += 1
    _audit(session, actor, "staff_password_changed", {"staff": user.email})
    session.commit()


def end_all_sessions(session: Session, user: StaffUser, actor: AuditActor) -> None:
    user.session_epoch += 1
    _audit(session, actor, "staff_signed_out_everywhere", {"staff": user.email})
    session.commit()


def set_active(session: Session, user: StaffUser, active: bool, actor: AuditActor) -> None:
    user.active = active
    user.session_epoch += 1  # deactivation ends every session at once
    _audit(
        session, actor, "staff_activated" if active else "staff_deactivated", {"staff": user.email}
    )
    session.commit()


def load_user(session: Session, user_id: str) -> StaffUser | None:
    """Flask-Login's loader: the id carries the session epoch, so an ended session fails here."""
    try:
        raw_id, epoch = user_id.split(":")
        user = session.get(StaffUser, int(raw_id))
    except (ValueError, TypeError):
        return None
    if user is None or not user.active or str(user.session_epoch) != epoch:
        return None
    return user


def _audit(session: Session, actor: AuditActor, action: str, detail: dict) -> None:
    session.add(AuditEvent(actor=actor, action=action, detail=detail))
