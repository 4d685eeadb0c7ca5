"""Notify's rate limit (3,000 messages a minute per API key) as a token bucket kept in the
database, so every worker using the key draws on one budget.

The bucket refills at limit/61 tokens a second and holds at most limit/61: in any 60 seconds
at most limit/61 (a full bucket) + 60 x limit/61 = limit messages go out, and a steady stream
runs at 60/61 (98 %) of the limit."""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.domain import as_utc
from portal.models import SendBudget


@dataclass
class Budget:
    name: str
    per_minute: int
    wait_seconds: float = 0.0  # after a short grant: how long until one token is back

    @classmethod
    def for_api_key(cls, api_key: str, per_minute: int) -> "Budget":
        return cls(hashlib.sha256(api_key.encode()).hexdigest()[:32], per_minute)

    @property
    def rate(self) -> float:
        return self.per_minute / 61

    @property
    def capacity(self) -> float:
        return max(self.per_minute / 61, 1.0)

    def take(self, session: Session, wanted: int, now: datetime) -> int:
        """Grant up to `wanted` sends now, inside the caller's transaction (the row stays
        locked until it commits, so two workers cannot spend the same tokens)."""
        bucket = self._locked_row(session, now)
        elapsed = max((now - as_utc(bucket.updated_at)).total_seconds(), 0.0)
        tokens = min(self.capacity, bucket.tokens + elapsed * self.rate)
        granted = min(wanted, int(tokens))
        bucket.tokens = tokens - granted
        bucket.updated_at = now
        self.wait_seconds = 0.0 if granted == wanted else (1 - bucket.tokens % 1) / self.rate
        return granted

    def _locked_row(self, session: Session, now: datetime) -> SendBudget:
        bucket = session.get(SendBudget, self.name, with_for_update=True)
        if bucket is None:
            try:
                with session.begin_nested():
                    session.add(SendBudget(name=self.name, tokens=self.capacity, updated_at=now))
            except IntegrityError:
                pass  # another worker created it first
            bucket = session.get(
                SendBudget, self.name, with_for_update=True, populate_existing=True
            )
        return bucket
