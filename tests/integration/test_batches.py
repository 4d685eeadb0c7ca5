"""Batches written at once (portal/domain/batches.py), as the sweep writes them: on PostgreSQL
each on its own connection in a thread, on SQLite on the caller's session whatever the count
asked; every result comes back in order, and a batch that fails raises without undoing the
batches written before it."""

import threading

import pytest
from sqlalchemy import delete, insert, select

from portal.config import ConfigError, load_config
from portal.domain.batches import BatchWriters
from portal.models import OutboxMessage
from portal.runtime import domain_context

TABLE = OutboxMessage.__table__


def _writes(key: str, seen: list):
    def work(session):
        seen.append((threading.current_thread().name, session))
        session.execute(
            insert(TABLE).values(
                message_key="staff_reminder",
                channel="email",
                recipient="team@example.com",
                personalisation={},
                dedupe_key=key,
                priority=2,
            )
        )
        return key

    return work


def _stored(session, prefix: str) -> list[str]:
    session.rollback()  # a fresh look at what the writers committed
    return sorted(
        session.scalars(
            select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.startswith(prefix))
        )
    )


@pytest.fixture
def clean(session):
    yield session
    session.rollback()
    session.execute(delete(OutboxMessage).where(OutboxMessage.dedupe_key.startswith("writers:")))
    session.commit()


def test_every_batch_is_written_and_its_result_comes_back_in_order(clean):
    session, seen = clean, []
    postgresql = session.get_bind().dialect.name == "postgresql"
    with BatchWriters(session, 2) as writers:
        results = []
        for n in range(5):
            writers.write(_writes(f"writers:{n}", seen))
            results += writers.finished()
        results += writers.drain()
    assert results == [f"writers:{n}" for n in range(5)]
    assert _stored(session, "writers:") == results
    if postgresql:
        assert all(name.startswith("batch-writer") and s is not session for name, s in seen)
        assert len({s for _, s in seen}) == 5  # a session (and transaction) per batch
    else:
        assert all(s is session for _, s in seen)


def test_a_failed_batch_raises_and_the_batches_before_it_stay_written(clean):
    session, seen = clean, []
    postgresql = session.get_bind().dialect.name == "postgresql"

    def fails(db_session):
        _writes("writers:broken", seen)(db_session)
        raise RuntimeError("this batch fails after writing")

    writers = BatchWriters(session, 2)
    with pytest.raises(RuntimeError, match="this batch fails"), writers:
        writers.write(_writes("writers:a", seen))
        writers.drain()
        writers.write(fails)
        writers.drain()
    if not postgresql:
        session.rollback()  # the caller's session: its own transaction ends the failed batch
    assert _stored(session, "writers:") == ["writers:a"]


@pytest.mark.parametrize("value", ["0", "-1", "two", ""])
def test_sweep_connections_must_be_one_or_more(tmp_path, value):
    with pytest.raises(ConfigError, match="SWEEP_CONNECTIONS"):
        load_config({"SWEEP_CONNECTIONS": value}, instance=tmp_path)


def test_sweep_connections_default_to_two_and_reach_the_domain_context(tmp_path, app, monkeypatch):
    assert load_config({}, instance=tmp_path)["SWEEP_CONNECTIONS"] == 2
    assert load_config({"SWEEP_CONNECTIONS": "3"}, instance=tmp_path)["SWEEP_CONNECTIONS"] == 3
    monkeypatch.setitem(app.config, "SWEEP_CONNECTIONS", 3)
    with app.app_context():
        assert domain_context().settings.sweep_connections == 3
