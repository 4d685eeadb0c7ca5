"""Many rows at a time, for the sweep over a million requests: its writes and its look-ups by
thousands of keys, in the caller's transaction.

On PostgreSQL rows go in with COPY, and a look-up by many values sends them as one string the
server splits into an array (`= ANY(string_to_array(...))`). A many-row INSERT sent hundreds of
thousands of outbox rows and audit entries through psycopg's pipeline a row at a time, and an
`IN (...)` of 5,000 values made psycopg parse a statement of 5,000 placeholders for every
batch: together about half of a first pass.
SQLite, the embedded store, takes the plain forms."""

import json
from collections.abc import Callable, Iterator, Sequence
from operator import itemgetter

from sqlalchemy import (
    ARRAY,
    JSON,
    Column,
    ColumnElement,
    Integer,
    String,
    Table,
    Text,
    any_,
    cast,
    func,
    insert,
    literal,
)
from sqlalchemy.orm import Session


def postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# Between the values of a look-up sent as one string: a control character no key, reference or
# number holds (a value that does is sent as an array instead).
_SEPARATOR = "\x1f"


def among(session: Session, column: Column, values: Sequence) -> ColumnElement[bool]:
    """`column IN values`, as one parameter on PostgreSQL: the values joined into one string
    that the server splits into an array. psycopg dumps a list parameter an element at a time
    in Python, with a quoting check on each: 4.4 s of a 16.5 s sweep over a million requests
    went on that, for the 462,000 message keys it looks up."""
    if not postgresql(session):
        return column.in_(values)
    # Only text and whole numbers read back from their `str` exactly; a single value would
    # split into no value at all if it were "" (and one value needs no splitting).
    if len(values) < 2 or not isinstance(column.type, String | Integer) or None in values:
        return _as_array(column, values)
    joined = _SEPARATOR.join(map(str, values))
    if joined.count(_SEPARATOR) != len(values) - 1:
        return _as_array(column, values)
    split = func.string_to_array(literal(joined, Text()), literal(_SEPARATOR, Text()))
    return column == any_(cast(split, ARRAY(column.type)))


def _as_array(column: Column, values: Sequence) -> ColumnElement[bool]:
    return column == any_(literal(list(values), ARRAY(column.type)))


def parts(session: Session, values: Sequence, size: int = 5000) -> Iterator[Sequence]:
    """`values` whole on PostgreSQL, where `among` sends them as one parameter; in slices of `size`
    on SQLite, which limits the variables one statement may bind."""
    if postgresql(session):
        yield values
        return
    for start in range(0, len(values), size):
        yield values[start : start + size]


def insert_rows(session: Session, table: Table, rows: list[dict]) -> None:
    """Insert `rows` (column values by name, the same names in every row) with the defaults the
    table's columns give in Python filled in, as an INSERT through SQLAlchemy fills them."""
    if not rows:
        return
    values = _row_values(table, rows[0])
    if not postgresql(session):
        session.execute(insert(table), rows)
        return
    names = ", ".join(f'"{name}"' for name, _ in values)
    raw = session.connection().connection.driver_connection
    sql = f'COPY "{table.name}" ({names}) FROM STDIN'
    with raw.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row([value(row) for _, value in values])


def _row_values(table: Table, row: dict) -> list[tuple[str, Callable[[dict], object]]]:
    """Each column to write, with how its value is taken from a row: worked out once for all
    the rows (a first pass of the sweep writes hundreds of thousands)."""
    unknown = set(row) - set(table.columns.keys())
    if unknown:
        raise ValueError(f"{table.name} has no column {', '.join(sorted(unknown))}")
    values = []
    for column in table.columns:
        if column.name in row:
            values.append((column.name, _given(column)))
        elif column.default is not None and not column.primary_key:
            if column.default.is_clause_element or column.default.is_sequence:
                raise ValueError(f"{table.name}.{column.name}: give its value")
            values.append((column.name, _default(column)))
    return values


def _given(column: Column) -> Callable[[dict], object]:
    name = column.name
    if isinstance(column.type, JSON):
        return lambda row: None if row[name] is None else json.dumps(row[name])
    return itemgetter(name)


def _default(column: Column) -> Callable[[dict], object]:
    default = column.default
    if default.is_callable:
        make = default.arg  # SQLAlchemy's wrapper of the model's callable: takes a context
        value = lambda row: make(None)  # noqa: E731
    else:
        value = lambda row: default.arg  # noqa: E731
    if isinstance(column.type, JSON):
        return lambda row: json.dumps(value(row))
    return value
