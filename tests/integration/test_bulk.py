"""Rows written and looked up many at a time (portal/domain/bulk.py): the same rows as a plain
INSERT writes and the same matches as IN, on SQLite and on PostgreSQL (COPY and arrays)."""

import uuid

import pytest
from sqlalchemy import delete, insert, select

from portal.domain.bulk import among, insert_rows, parts
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


def test_more_keys_than_sqlite_binds_are_all_looked_up(session):
    """Ten thousand keys: one array on PostgreSQL, slices within SQLite's limit on variables
    (which is lower than ten thousand on older builds), and every key that exists is found."""
    insert_rows(session, TABLE, _rows("many", 3))
    session.commit()
    keys = [f"many:{n}" for n in range(10_000)]
    slices = list(parts(session, keys))
    assert [k for some in slices for k in some] == keys
    if session.get_bind().dialect.name == "postgresql":
        assert len(slices) == 1
    else:
        assert max(len(some) for some in slices) <= 5000
    found = {
        key
        for some in slices
        for key in session.scalars(
            select(OutboxMessage.dedupe_key).where(among(session, OutboxMessage.dedupe_key, some))
        )
    }
    assert found == {"many:0", "many:1", "many:2"}


def test_among_finds_keys_with_quotes_commas_braces_and_the_separator_itself(session):
    """The values go to PostgreSQL as one string it splits; a value holding the split
    character is sent as an array instead, and still matches."""
    odd = ["a,b", 'say "hi"', "{x}", "back\\slash", "unit\x1fseparator", "", "plain"]
    rows = _rows("odd", len(odd))
    for row, key in zip(rows, odd, strict=True):
        row["dedupe_key"] = f"odd:{key}"
    insert_rows(session, TABLE, rows)
    session.commit()
    for wanted in (
        [f"odd:{k}" for k in odd],
        ["odd:a,b", "odd:missing"],
        ["odd:unit\x1fseparator"],
    ):
        found = session.scalars(
            select(OutboxMessage.dedupe_key).where(among(session, OutboxMessage.dedupe_key, wanted))
        ).all()
        assert sorted(found) == sorted(k for k in wanted if k != "odd:missing")


def test_among_finds_an_empty_key_alone_or_with_others_and_ignores_none(session):
    """ "" alone would split into no value at all; None has no text form: both go as arrays."""
    rows = _rows("empty", 2)
    rows[0]["dedupe_key"], rows[1]["dedupe_key"] = "", "empty:x"
    insert_rows(session, TABLE, rows)
    session.commit()
    try:
        for wanted, expected in (
            ([""], [""]),
            (["", "empty:x"], ["", "empty:x"]),
            (["empty:x", None], ["empty:x"]),
        ):
            found = session.scalars(
                select(OutboxMessage.dedupe_key).where(
                    among(session, OutboxMessage.dedupe_key, wanted)
                )
            ).all()
            assert sorted(found) == expected
    finally:
        session.execute(delete(OutboxMessage).where(OutboxMessage.dedupe_key == ""))
        session.commit()
