"""Set-based statements of the campaign queries, written once for PostgreSQL and SQLite.

Statements are written with PostgreSQL's `$1` placeholders; on SQLite they become `?1` (SQLite's
numbered parameters, so a parameter may be used twice in either dialect) and the `::type`
casts PostgreSQL needs to type a parameter are dropped; UUIDs travel as
the text SQLite stores them as. Datetimes bind as Tortoise's own SQLite adapter writes them
(`isoformat(" ")`, always UTC here), so comparing them as text orders them in time.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

from mumble.db import rowsets

_DOLLAR = re.compile(r"\$(\d+)")
# PostgreSQL's casts (`$1::uuid`), which SQLite has no use for.
_CAST = re.compile(r"::[a-z_]+")


def db(model: type[Model]) -> BaseDBAsyncClient:
    """The connection Tortoise's own writes would use (the transaction's inside one)."""
    return rowsets.connection(model)


def is_postgres(model: type[Model]) -> bool:
    """Whether the statements run on PostgreSQL."""
    return rowsets.is_postgres(model)


def _param(value: Any, postgres: bool) -> Any:
    if isinstance(value, uuid.UUID) and not postgres:
        return str(value)
    return value


async def rows(model: type[Model], sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    """Run `sql` (PostgreSQL placeholders) on `model`'s connection; the rows it returns."""
    connection = db(model)
    postgres = connection.capabilities.dialect == "postgres"
    text = sql if postgres else _CAST.sub("", _DOLLAR.sub(r"?\1", sql))
    values = [_param(value, postgres) for value in params]
    return list(await connection.execute_query_dict(text, values))


async def execute(model: type[Model], sql: str, params: Sequence[Any] = ()) -> int:
    """Run a write (PostgreSQL placeholders); how many rows it changed."""
    connection = db(model)
    postgres = connection.capabilities.dialect == "postgres"
    text = sql if postgres else _CAST.sub("", _DOLLAR.sub(r"?\1", sql))
    values = [_param(value, postgres) for value in params]
    changed, _ = await connection.execute_query(text, values)
    return int(changed)
