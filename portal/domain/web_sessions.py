"""Expired server-side session records (portal/sessions.py) are deleted by the sweep. Redis
forgets its own."""

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from portal.models import WebSession


def purge_expired_sessions(session: Session, now: datetime) -> int:
    result = session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    session.commit()
    return result.rowcount or 0
