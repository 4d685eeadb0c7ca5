"""The models and the migrations describe the same schema: after `upgrade`, Alembic's
autogenerate comparison finds nothing to change (tables, columns, types, nullability, server
defaults, indexes, unique and foreign keys), and the named CHECK constraints that hold the
statuses allow the same values. Runs on SQLite, and on PostgreSQL in `make test-postgres`."""

import re
from pprint import pformat

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import CheckConstraint, String, inspect

from portal.extensions import db
from portal.models import Base


def _quoted_values(sql: str) -> list[str]:
    # PostgreSQL hands back `x IN ('a', 'b')` as `x = ANY (ARRAY['a'::character varying, ...])`:
    # the values allowed are what must match.
    return sorted(re.findall(r"'([^']*)'", sql))


def test_the_migrated_schema_is_what_the_models_describe(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], (
        "the models and the migrations disagree; write a migration "
        f"(`flask --app portal db migrate -m ...`) and review it:\n{pformat(differences)}"
    )


def test_the_status_constraints_allow_what_the_models_allow(app):
    inspector = inspect(db.engine)
    for table in Base.metadata.sorted_tables:
        in_models = {
            check.name: _quoted_values(str(check.sqltext))
            for check in table.constraints
            if isinstance(check, CheckConstraint)
        }
        migrated = {
            check["name"]: _quoted_values(check["sqltext"])
            for check in inspector.get_check_constraints(table.name)
        }
        assert migrated == in_models, table.name


def test_every_value_a_constraint_allows_fits_its_column():
    """SQLite ignores a VARCHAR's length; PostgreSQL refuses a longer value. A status the
    constraint allows but the column cannot hold fails only in production."""
    too_long = []
    for table in Base.metadata.sorted_tables:
        for check in table.constraints:
            if not isinstance(check, CheckConstraint):
                continue
            sql = str(check.sqltext)
            for column in table.columns:
                length = getattr(column.type, "length", None)
                if (
                    isinstance(column.type, String)
                    and length
                    and re.search(rf"\b{column.name}\b", sql)
                ):
                    too_long += [
                        f"{table.name}.{column.name} ({length}): {value!r}"
                        for value in _quoted_values(sql)
                        if len(value) > length
                    ]
    assert too_long == []
