"""Many rows in one PostgreSQL statement: the rows travel as one JSON array parameter.

Tortoise's `bulk_create` sends one INSERT per row through asyncpg's `executemany`: one network
round trip, but PostgreSQL still binds and executes a statement per row, and generated keys are
not read back. `insert_rows` passes the rows as one JSON array that `jsonb_populate_recordset`
turns into rows of the table's own type (each value read by its column's input function), so a
batch of 1,000 is one statement; `RETURNING` says which rows were stored when conflicts are
skipped, and generated columns (a `seq`) follow the order of the objects.

Values are what Tortoise would bind (`to_db_value`), JSON fields as their Python value; the
model's defaults were applied when the objects were built. PostgreSQL only: callers keep
`bulk_create` on SQLite. Tortoise internals used: `Model._meta.fields_db_projection`,
`fields_map`, `db_table`, `Field.generated`, `router.db_for_write` (pinned in `mumble.db`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.fields import JSONField
from tortoise.models import Model
from tortoise.router import router


def connection(model: type[Model]) -> BaseDBAsyncClient:
    """The connection Tortoise's own writes would use (the transaction's inside one)."""
    return router.db_for_write(model) or model._meta.db


def is_postgres(model: type[Model]) -> bool:
    """Whether the model's connection is PostgreSQL."""
    return connection(model).capabilities.dialect == "postgres"


def _columns(model: type[Model]) -> list[tuple[str, str]]:
    meta = model._meta
    return [
        (name, column)
        for name, column in meta.fields_db_projection.items()
        if not meta.fields_map[name].generated
    ]


def _row(obj: Model, columns: list[tuple[str, str]]) -> dict[str, Any]:
    fields = obj._meta.fields_map
    row = {}
    for name, column in columns:
        field = fields[name]
        value = getattr(obj, name)
        row[column] = value if isinstance(field, JSONField) else field.to_db_value(value, obj)
    return row


def insert_statement(
    model: type[Model],
    objects: Sequence[Model],
    *,
    returning: Sequence[str],
    skip_conflicts_on: Sequence[str] = (),
) -> tuple[str, list[Any]]:
    """The INSERT of `insert_rows` and its one parameter, for a caller that wraps it in a
    larger statement (`WITH stored AS (<insert>) SELECT …`)."""
    columns = _columns(model)
    table = model._meta.db_table
    names = ", ".join(f'"{column}"' for _, column in columns)
    conflict = ""
    if skip_conflicts_on:
        keys = ", ".join(f'"{column}"' for column in skip_conflicts_on)
        conflict = f" ON CONFLICT ({keys}) DO NOTHING"
    returned = ", ".join(f'"{column}"' for column in returning)
    sql = (
        f'INSERT INTO "{table}" ({names}) SELECT {names} '
        f'FROM jsonb_populate_recordset(NULL::"{table}", $1::jsonb) WITH ORDINALITY AS r '
        f"ORDER BY r.ordinality{conflict} RETURNING {returned}"
    )
    return sql, [orjson.dumps([_row(obj, columns) for obj in objects]).decode()]


async def insert_rows(
    model: type[Model],
    objects: Sequence[Model],
    *,
    returning: Sequence[str],
    skip_conflicts_on: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """INSERT the objects in one statement, in order; the `returning` columns of each row stored
    (rows that hit a unique constraint over `skip_conflicts_on` are skipped)."""
    if not objects:
        return []
    sql, params = insert_statement(
        model, objects, returning=returning, skip_conflicts_on=skip_conflicts_on
    )
    # execute_query_dict always fetches (execute_query drops an INSERT's RETURNING rows).
    return await connection(model).execute_query_dict(sql, params)
