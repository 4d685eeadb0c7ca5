"""Notify's rate limit (3,000 requests a minute per API key) as a token bucket kept in the
database, so every worker using the key draws on one budget.

Every request to Notify takes a token just before it is made: sends and the look-ups before a
resend alike (Notify's limit counts API requests). Time is the database's clock, never the
worker's, so workers on machines whose clocks disagree still share one budget correctly.

The bucket refills at limit/61 tokens a second and holds at most limit/61: in any 60 seconds
at most limit/61 (a full bucket) + 60 x limit/61 = limit requests go out, and a steady stream
runs at 60/61 (98 %) of the limit."""

import hashlib
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from portal.domain import as_utc
from portal.models import SendBudget

_bucket = SendBudget.__table__


def database_now(connection: Connection) -> datetime:
    """The database server's clock (UTC), shared by every worker."""
    if connection.dialect.name == "sqlite":
        stamp = connection.scalar(text("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')"))
        return datetime.fromisoformat(stamp).replace(tzinfo=UTC)
    return connection.scalar(text("SELECT clock_timestamp()")).astimezone(UTC)


class DatabaseClock:
    """`now` as the database server sees it: what workers use for everything they compare with
    each other (claims, their expiry, the budget), so a worker whose own clock is wrong can
    neither take another's claim early nor overspend."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def __call__(self) -> datetime:
        with self.engine.connect() as connection:
            return database_now(connection)


@dataclass
class Budget:
    name: str
    per_minute: int

    @classmethod
    def for_api_key(cls, api_key: str, per_minute: int) -> "Budget":
        return cls(hashlib.sha256(api_key.encode()).hexdigest()[:32], per_minute)

    @property
    def rate(self) -> float:
        return self.per_minute / 61

    @property
    def capacity(self) -> float:
        return max(self.per_minute / 61, 1.0)

    def try_take(self, connection: Connection) -> float:
        """Take one token inside the caller's transaction, at the database's time. Returns 0
        when granted, else the seconds until a token is back (nothing taken)."""
        granted, wait = self.take_up_to(connection, 1)
        return 0.0 if granted else wait

    def take_up_to(self, connection: Connection, wanted: int) -> tuple[int, float]:
        """Take up to `wanted` tokens (at least one, or none) for requests about to be made.
        Returns how many, and when none, the seconds until one is back."""
        # Writing first takes the row's lock (and on SQLite the database's write lock) before
        # anything is read, so two workers cannot both spend the last token.
        locked = connection.execute(
            update(_bucket).where(_bucket.c.name == self.name).values(tokens=_bucket.c.tokens)
        ).rowcount
        now = database_now(connection)
        if not locked:
            connection.execute(
                insert(_bucket).values(name=self.name, tokens=self.capacity - 1, updated_at=now)
            )
            return 1, 0.0
        tokens, updated_at = connection.execute(
            select(_bucket.c.tokens, _bucket.c.updated_at).where(_bucket.c.name == self.name)
        ).one()
        elapsed = max((now - as_utc(updated_at)).total_seconds(), 0.0)
        tokens = min(self.capacity, tokens + elapsed * self.rate)
        granted = min(wanted, int(tokens))
        if not granted:
            return 0, (1 - tokens) / self.rate
        connection.execute(
            update(_bucket)
            .where(_bucket.c.name == self.name)
            .values(tokens=tokens - granted, updated_at=now)
        )
        return granted, 0.0


class BudgetGate:
    """Blocks until the shared budget allows one more request to Notify. One per worker,
    shared by its send threads, first come first served (so a one-time code claimed ahead of
    a backlog is not overtaken while it waits); `stop` wakes waiting threads when the worker
    is told to stop. Only the thread at the head of the line asks the database: the others
    would only queue on the bucket's row lock (on SQLite, on the database's write lock)."""

    def __init__(self, engine: Engine, budget: Budget):
        self.engine, self.budget = engine, budget
        self.stopping = threading.Event()
        self.line = threading.Condition()
        self.next_ticket = self.serving = self.prepaid = 0

    def __call__(self) -> None:
        with self.line:
            ticket, self.next_ticket = self.next_ticket, self.next_ticket + 1
            while self.serving != ticket and not self.stopping.is_set():
                self.line.wait(0.5)
            if self.prepaid and not self.stopping.is_set():
                # Taken for this thread by the one ahead of it, a moment ago.
                self.prepaid -= 1
                self.serving = ticket + 1
                self.line.notify_all()
                return
            in_line = self.next_ticket - ticket
        try:
            granted = self._take(in_line)
            with self.line:
                self.prepaid = granted - 1
        finally:
            with self.line:
                self.serving = max(self.serving, ticket + 1)
                self.line.notify_all()

    def _take(self, in_line: int) -> int:
        """Tokens for this thread and those already waiting behind it, in one transaction."""
        while True:
            if self.stopping.is_set():
                raise WorkerStopping
            try:
                with self.engine.begin() as connection:
                    granted, wait = self.budget.take_up_to(connection, in_line)
            except IntegrityError:
                continue  # another worker created the bucket first: take from it
            if granted:
                return granted
            if self.stopping.wait(min(wait, 1.0)):
                raise WorkerStopping

    def stop(self) -> None:
        self.stopping.set()
        with self.line:
            self.line.notify_all()


class WorkerStopping(Exception):
    """The worker was told to stop while waiting for the budget: the request was not made."""
