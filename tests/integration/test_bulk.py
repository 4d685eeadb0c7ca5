"""Rows written and looked up many at a time (portal/domain/bulk.py): the same rows as a plain
INSERT writes and the same matches as IN, on SQLite and on PostgreSQL (COPY and arrays)."""

import uuid

import pytest
from sqlalchemy import insert, select

from portal.domain.bulk import among, insert_rows
from portal.models import OutboxMessage

TABLE = OutboxMessage.__table__


def _rows(prefix: str, count: int) -> list[dict]:
    return [
        {
            "request_id": None,
            "message_key": "staff_reminder",
            "channel": "email",
            "recipient": f"team{n}@example.com",
            "personalisation": {"reference": f"DR-{n}", "quote": 'say "hi" \\ tab\there'},
            "dedupe_key": f"{prefix}:{n}",
            "priority": 2,
        }
        for n in range(count)
    ]


def _stored(session, prefix: str) -> list[OutboxMessage]:
    return session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.dedupe_key.startswith(prefix))
        .order_by(OutboxMessage.id)
    ).all()


def test_rows_put_in_all_at_once_are_the_rows_an_insert_writes(session):
    insert_rows(session, TABLE, _rows("bulk", 3))
    session.execute(insert(TABLE), _rows("plain", 3))
    session.commit()
    bulk, plain = _stored(session, "bulk"), _stored(session, "plain")
    assert [m.dedupe_key for m in bulk] == ["bulk:0", "bulk:1", "bulk:2"]  # in the rows' order

    def columns(message):
        return {
            name: getattr(message, name)
            for name in ("message_key", "channel", "recipient", "personalisation", "priority")
            + ("status", "attempts", "notify_id", "sent_at")
        }

    assert [columns(m) for m in bulk] == [columns(m) for m in plain]
    assert bulk[0].personalisation["quote"] == 'say "hi" \\ tab\there'
    # The model's own defaults, made per row: a random reference and the time of writing.
    assert len({m.reference for m in bulk}) == 3 and all(uuid.UUID(m.reference) for m in bulk)
    assert all(m.created_at is not None and m.next_attempt_at is not None for m in bulk)


def test_nothing_to_put_in_writes_nothing(session):
    insert_rows(session, TABLE, [])
    session.commit()
    assert _stored(session, "") == []


def test_a_column_the_table_lacks_is_refused_before_anything_is_written(session):
    rows = _rows("bad", 2)
    rows[0]["colour"] = "red"
    with pytest.raises(ValueError, match="no column colour"):
        insert_rows(session, TABLE, rows)


def test_among_matches_what_in_matches(session):
    insert_rows(session, TABLE, _rows("among", 5))
    session.commit()
    ids = [m.id for m in _stored(session, "among")]
    keys = ["among:1", "among:3", "among:9"]
    by_key = session.scalars(
        select(OutboxMessage.dedupe_key).where(among(session, OutboxMessage.dedupe_key, keys))
    ).all()
    assert sorted(by_key) == ["among:1", "among:3"]
    by_id = session.scalars(
        select(OutboxMessage.id).where(among(session, OutboxMessage.id, [ids[0], ids[4], -1]))
    ).all()
    assert sorted(by_id) == [ids[0], ids[4]]
    assert (
        session.scalars(select(OutboxMessage.id).where(among(session, OutboxMessage.id, []))).all()
        == []
    )
