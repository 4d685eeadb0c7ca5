"""Staff accounts: creation, passwords (argon2), TOTP two-factor, lock-out, and ending every
session at once. No request context needed."""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, object_session

from portal.content import CONTENT
from portal.domain import DomainError, FieldError, as_utc
from portal.domain.audit import record_event
from portal.domain.passwords import HASHER
from portal.models import (
    STAFF_ROLES,
    AuditActor,
    RoleGrant,
    SignInFailure,
    StaffUser,
)

MIN_PASSWORD_LENGTH = 12
MAX_FAILURES = 5  # wrong passwords or codes from one client lock it out of the account...
LOCKOUT = timedelta(minutes=15)  # ...for this long
# All clients together only slow the account down (1, 2, 4 ... seconds between tries, at most
# a minute), so a stranger cannot keep its owner out.
SLOWDOWN_AFTER = 10
MAX_SLOWDOWN = timedelta(seconds=60)
# Roles that see request content. Only a DPO can approve giving one (separation of duties):
# an administrator asks, and the person keeps the access they had until a DPO decides.
CONTENT_ROLES = ("dpo", "caseworker")


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
    # Made on the staff pages with a role that sees request content: the account cannot sign
    # in until a DPO approves. The command line (the first DPO, demo accounts) is not a person
    # acting alone on the pages, and makes the account at once.
    needs_approval = actor.kind == "staff" and role in CONTENT_ROLES
    user = StaffUser(
        email=email,
        full_name=full_name.strip(),
        role=role,
        services=list(services),
        password_hash=HASHER.hash(password),
        must_change_password=temporary_password,
        awaiting_approval=needs_approval,
    )
    session.add(user)
    session.flush()
    _audit(
        session,
        actor,
        "staff_created",
        {
            "staff": user.email,
            "role": role,
            **({"awaiting_approval": True} if needs_approval else {}),
        },
    )
    if needs_approval:
        _ask_for_grant(session, user, role, services, actor)
    session.commit()
    return user


def gives_content_access(user: StaffUser, role: str, services: list[str]) -> bool:
    """Would this role and these services let them see request content they cannot see now?"""
    if role not in CONTENT_ROLES:
        return False
    if user.awaiting_approval or role != user.role:
        return True
    return not set(services) <= set(user.services or [])


def pending_grant(session: Session, user: StaffUser) -> RoleGrant | None:
    return session.scalar(
        select(RoleGrant).where(RoleGrant.staff_id == user.id, RoleGrant.status == "pending")
    )


def pending_grants(session: Session) -> list[RoleGrant]:
    return list(
        session.scalars(
            select(RoleGrant).where(RoleGrant.status == "pending").order_by(RoleGrant.id)
        )
    )


def _ask_for_grant(
    session: Session, user: StaffUser, role: str, services: list[str], actor: AuditActor
) -> RoleGrant:
    # A newer request replaces one still waiting: the DPO decides on what is asked now.
    session.execute(
        update(RoleGrant)
        .where(RoleGrant.staff_id == user.id, RoleGrant.status == "pending")
        .values(status="replaced")
    )
    grant = RoleGrant(
        staff_id=user.id,
        role=role,
        services=list(services),
        status="pending",
        requested_by_id=actor.staff_id,
    )
    session.add(grant)
    session.flush()
    _audit(
        session,
        actor,
        "staff_access_requested",
        {
            "staff": user.email,
            "grant": grant.id,
            "from": {"role": user.role, "services": list(user.services or [])},
            "to": {"role": role, "services": list(services)},
        },
    )
    return grant


def decide_grant(
    session: Session,
    grant_id: int,
    *,
    approve: bool,
    reason: str,
    actor: AuditActor,
    now: datetime,
) -> RoleGrant:
    """A DPO approves or rejects access an administrator asked for. Nobody decides on their own
    access or on a change they asked for; a rejection needs a reason. Approval gives the role
    and services and ends the person's sessions; both outcomes are audited."""
    grant = session.get(RoleGrant, grant_id)
    if grant is None:
        raise DomainError("This change of access no longer exists")
    if actor.role != "dpo":
        raise DomainError("Only a Data Protection Officer can decide on access to requests")
    if actor.staff_id in (grant.staff_id, grant.requested_by_id):
        raise DomainError("You cannot decide on your own access or on a change you asked for")
    reason = (reason or "").strip()
    if not approve and not reason:
        raise FieldError("reason", "Enter why you are rejecting this change")
    if len(reason) > 2000:
        raise FieldError("reason", "The reason must be 2,000 characters or fewer")
    # Only a change still waiting can be decided, once: two DPOs at once, one wins.
    decided = session.execute(
        update(RoleGrant)
        .where(RoleGrant.id == grant.id, RoleGrant.status == "pending")
        .values(
            status="approved" if approve else "rejected",
            decided_by_id=actor.staff_id,
            decided_at=now,
            reason=reason or None,
        )
    )
    if decided.rowcount != 1:
        session.rollback()
        raise DomainError("This change has already been decided or replaced")
    session.refresh(grant)
    user = grant.staff
    before = {"role": user.role, "services": list(user.services or [])}
    after = {"role": grant.role, "services": list(grant.services or [])}
    detail = {"staff": user.email, "grant": grant.id, "from": before, "to": after}
    if approve:
        user.role, user.services = grant.role, list(grant.services or [])
        user.awaiting_approval = False
        user.session_epoch += 1
        _audit(session, actor, "staff_access_approved", detail)
    else:
        _audit(session, actor, "staff_access_rejected", {**detail, "reason": reason})
    session.commit()
    return grant


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
    with access they no longer have, and the audit trail records the before and after.
    Returns "changed", "unchanged", or "pending": access to request content asked for on the
    staff pages waits for a DPO's approval (`decide_grant`) and nothing changes yet."""
    _check_role_and_services(role, services, known_services)
    before = {"role": user.role, "services": list(user.services)}
    after = {"role": role, "services": list(services)}
    if before == after and not user.awaiting_approval:
        return "unchanged"
    if actor.kind == "staff" and gives_content_access(user, role, services):
        _ask_for_grant(session, user, role, services, actor)
        session.commit()
        return "pending"
    if before == after:
        return "unchanged"
    user.role, user.services = role, list(services)
    user.session_epoch += 1
    _audit(
        session, actor, "staff_access_changed", {"staff": user.email, "from": before, "to": after}
    )
    session.commit()
    return "changed"


def _reason(reason: str | None, what: str) -> str:
    """Taking access away is audited with why: the audit trail must say who did it and why."""
    reason = (reason or "").strip()
    if not reason:
        raise FieldError("reason", f"Enter why you are {what}")
    return reason


def reset_two_factor(
    session: Session, user: StaffUser, actor: AuditActor, reason: str | None = None
) -> None:
    """For a lost or replaced phone: they set two-factor up again at their next sign-in, and
    every session of theirs ends now. The reason is kept in the audit trail."""
    reason = _reason(reason, "resetting their two-factor authentication")
    user.totp_secret, user.totp_confirmed, user.last_totp_step = None, False, None
    user.session_epoch += 1
    # What the administrator wrote is free text: kept apart, as the audit trail keeps all such.
    _audit(session, actor, "staff_two_factor_reset", {"staff": user.email}, {"reason": reason})
    session.commit()


@dataclass
class SignInResult:
    user: StaffUser | None = None
    locked: bool = False


def check_password(
    session: Session, email: str, password: str, now: datetime, client: str = ""
) -> SignInResult:
    """First factor. Wrong passwords and codes lock this client out of this account for a
    while, and slow the account's sign-in down for everyone (never a hard lock a stranger can
    keep on). The answer for a locked, slowed, inactive or unknown account is the same as for a
    wrong password, and the password is not checked then (no oracle)."""
    user = find_by_email(session, email)
    if user is None or not user.active or user.awaiting_approval:
        _burn(password)
        return SignInResult()
    if is_locked(user, now, client):
        _burn(password)
        return SignInResult(locked=True)
    try:
        HASHER.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        record_failure(session, user, now, client)
        return SignInResult(locked=is_locked(user, now, client))
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = HASHER.hash(password)
    session.commit()
    return SignInResult(user=user)


def _burn(password: str) -> None:
    # An unknown email still costs one argon2 verification, so the response time does not
    # tell which emails have accounts.
    HASHER.burn(password)


def client_key(address: str | None) -> str:
    """How a client is counted: its address, hashed (the table holds no addresses)."""
    return hashlib.sha256(f"staff-sign-in:{address or ''}".encode()).hexdigest()


def _failures(session: Session, user: StaffUser, now: datetime) -> list[SignInFailure]:
    """This account's failures in the last LOCKOUT, from every client."""
    return list(
        session.scalars(
            select(SignInFailure).where(
                SignInFailure.staff_id == user.id, SignInFailure.last_failed_at > now - LOCKOUT
            )
        )
    )


def slowed_for(user: StaffUser, now: datetime) -> timedelta:
    """How long before the account may try again: after SLOWDOWN_AFTER failures from all
    clients together, 1, 2, 4... seconds after the last one, never more than MAX_SLOWDOWN."""
    rows = _failures(object_session(user), user, now)
    total = sum(r.failures for r in rows)
    if total < SLOWDOWN_AFTER:
        return timedelta(0)
    delay = min(timedelta(seconds=2 ** (total - SLOWDOWN_AFTER)), MAX_SLOWDOWN)
    last = max(as_utc(r.last_failed_at) for r in rows)
    return max(last + delay - now, timedelta(0))


def is_locked(user: StaffUser, now: datetime, client: str = "") -> bool:
    """This client may not try this account now: locked out itself, or the account slowed."""
    row = object_session(user).scalar(
        select(SignInFailure).where(
            SignInFailure.staff_id == user.id, SignInFailure.client == client_key(client)
        )
    )
    if row is not None and row.locked_until is not None and as_utc(row.locked_until) > now:
        return True
    return slowed_for(user, now) > timedelta(0)


def record_failure(session: Session, user: StaffUser, now: datetime, client: str = "") -> None:
    key = client_key(client)
    row = session.scalar(
        select(SignInFailure).where(SignInFailure.staff_id == user.id, SignInFailure.client == key)
    )
    if row is None:
        row = SignInFailure(staff_id=user.id, client=key, failures=0, first_failed_at=now)
        session.add(row)
    elif as_utc(row.last_failed_at) <= now - LOCKOUT:
        row.failures, row.first_failed_at = 0, now  # an old run of failures is forgotten
    row.failures += 1
    row.last_failed_at = now
    if row.failures >= MAX_FAILURES:
        row.locked_until, row.failures = now + LOCKOUT, 0
        _audit(
            session,
            AuditActor.system("system"),
            "staff_locked",
            {"staff": user.email, "scope": "one client", "minutes": LOCKOUT.seconds // 60},
        )
    session.commit()


def _forget_failures(session: Session, user: StaffUser, client: str) -> None:
    """Signed in: this client's failures are forgotten (other clients' still count)."""
    session.execute(
        delete(SignInFailure).where(
            SignInFailure.staff_id == user.id, SignInFailure.client == client_key(client)
        )
    )


def new_totp_secret(session: Session, user: StaffUser) -> str:
    if user.totp_confirmed:
        raise DomainError("Two-factor authentication is already set up")
    if not user.totp_secret:
        user.totp_secret = pyotp.random_base32()
        session.commit()
    return user.totp_secret


def totp_uri(user: StaffUser, issuer: str) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=issuer)


def check_totp(
    session: Session, user: StaffUser, code: str, now: datetime, client: str = ""
) -> bool:
    """Second factor: a 6-digit code, one step either side allowed for clock drift, and each
    code usable once. Wrong codes count like wrong passwords."""
    code = "".join(code.split())
    totp = pyotp.TOTP(user.totp_secret or "")
    if is_locked(user, now, client):
        return False
    for drift in (0, -1, 1):
        moment = now + timedelta(seconds=30 * drift)
        step = totp.timecode(moment)
        if code.isdigit() and totp.verify(code, for_time=moment, valid_window=0):
            if user.last_totp_step is not None and step <= user.last_totp_step:
                break  # replayed
            user.last_totp_step = step
            user.totp_confirmed = True
            user.last_sign_in_at = now
            _forget_failures(session, user, client)
            session.commit()
            return True
    record_failure(session, user, now, client)
    return False


def record_sign_in(session: Session, user: StaffUser) -> None:
    """Both factors passed: the sign-in goes in the audit trail."""
    _audit(session, AuditActor.staff(user), "staff_signed_in", {})
    session.commit()


def change_password(
    session: Session,
    user: StaffUser,
    current: str,
    new: str,
    now: datetime,
    actor: AuditActor,
    client: str = "",
) -> None:
    """Their own new password. A wrong current password counts towards the lock-out; every
    other session of theirs ends."""
    try:
        HASHER.verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        record_failure(session, user, now, client)
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


def set_active(
    session: Session,
    user: StaffUser,
    active: bool,
    actor: AuditActor,
    reason: str | None = None,
) -> None:
    """Deactivate (with a reason, kept in the audit trail) or reactivate an account."""
    personal = None if active else {"reason": _reason(reason, "deactivating the account")}
    if active and user.awaiting_approval:
        raise DomainError(
            "This account is waiting for a Data Protection Officer to approve its access"
        )
    user.active = active
    user.session_epoch += 1  # deactivation ends every session at once
    _audit(
        session,
        actor,
        "staff_activated" if active else "staff_deactivated",
        {"staff": user.email},
        personal,
    )
    session.commit()


def load_user(session: Session, user_id: str) -> StaffUser | None:
    """Flask-Login's loader: the id carries the session epoch, so an ended session fails here."""
    try:
        raw_id, epoch = user_id.split(":")
        user = session.get(StaffUser, int(raw_id))
    except (ValueError, TypeError):
        return None
    if (
        user is None
        or not user.active
        or user.awaiting_approval
        or str(user.session_epoch) != epoch
    ):
        return None
    return user


def _audit(
    session: Session, actor: AuditActor, action: str, detail: dict, personal: dict | None = None
) -> None:
    record_event(session, None, actor, action, detail, personal=personal)
