"""Batches of one long pass written at once, each on its own connection and in its own
transaction, while the caller reads the next batch.

Built for the sweep's first pass over a million requests: each batch spends about half its time
waiting for PostgreSQL to write its rows, and the next batch's Python work fits in that wait.
With one writer (SQLite, which writes one transaction at a time), each batch is written on the
caller's own session instead, as before."""

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

from sqlalchemy.orm import Session

from portal.domain.bulk import postgresql

Result = TypeVar("Result")


class BatchWriters(Generic[Result]):
    """`write(work)` runs `work(session)` and commits; at most `count` at once on PostgreSQL,
    one at a time on SQLite. Results come back from `finished()` (those done so far) and
    `drain()` (all the rest). A batch that fails raises from the call that collects it; the
    batches already written stay written."""

    def __init__(self, session: Session, count: int):
        self._session = session
        # SQLite writes one transaction at a time: its batches go on the caller's session.
        self._count = count if postgresql(session) else 1
        self._pool: ThreadPoolExecutor | None = None
        self._pending: deque[Future] = deque()
        self._done: list[Result] = []

    def __enter__(self) -> "BatchWriters[Result]":
        if self._count > 1:
            # Taken here: Flask-SQLAlchemy's session finds its engine through the app context,
            # which the writers' threads do not have.
            self._bind = self._session.get_bind()
            self._pool = ThreadPoolExecutor(self._count, thread_name_prefix="batch-writer")
        return self

    def __exit__(self, *_exc) -> bool:
        if self._pool is not None:
            # After a failure: the batches in flight finish (each is whole), no new one starts.
            self._pool.shutdown(wait=True, cancel_futures=True)
        return False

    def write(self, work: Callable[[Session], Result]) -> None:
        if self._pool is None:
            self._done.append(work(self._session))
            self._session.commit()
            return
        while len(self._pending) >= self._count:
            self._done.append(self._pending.popleft().result())
        self._pending.append(self._pool.submit(self._write, work))

    def _write(self, work: Callable[[Session], Result]) -> Result:
        with Session(bind=self._bind) as session:
            result = work(session)
            session.commit()
            return result

    def finished(self) -> list[Result]:
        done, self._done = self._done, []
        return done

    def drain(self) -> list[Result]:
        while self._pending:
            self._done.append(self._pending.popleft().result())
        return self.finished()
