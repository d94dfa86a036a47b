"""Hot reads whose SQL Tortoise builds once per dialect, then runs with fresh parameters.

Building a query (pypika copies, joins, filters) costs more CPU than the database round trip for
the small reads every request makes (the API key, the customer, its labels). A `Prepared` query
is declared with a Tortoise queryset builder and marker arguments: the first run on a dialect
builds it with the markers, keeps Tortoise's own SQL and parameter list, and later runs swap
the real arguments in at the markers' positions. Rows are converted exactly as Tortoise does
(`to_python_value` per column for `.values()`, `_init_from_db` for model instances), and the
connection is chosen per call the way Tortoise chooses it, so transactions are honoured.
"""

from __future__ import annotations

import types
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model
from tortoise.queryset import QuerySet, QuerySetSingle, ValuesQuery
from tortoise.router import router

Builder = Callable[..., ValuesQuery[Any] | QuerySet[Any] | QuerySetSingle[Any]]


@dataclass(frozen=True)
class _Plan:
    sql: str
    params: tuple[Any, ...]
    # (parameter index, argument number, pass as text): where each argument goes.
    slots: tuple[tuple[int, int, bool], ...]
    converters: tuple[tuple[str, Callable[[Any], Any]], ...]
    values: bool


def text_marker() -> str:
    """A marker for a text argument: random, so its position in the parameters is unambiguous.

    Short enough to pass the length validation of any CharField a filter may check it against.
    """
    return "~" + uuid.uuid4().hex[:12]


def uuid_marker() -> uuid.UUID:
    """A marker for a UUID argument."""
    return uuid.uuid4()


class Prepared:
    """A fixed-shape read: `await q.rows(*args)` gives what awaiting `build(*args)` would."""

    def __init__(self, model: type[Model], build: Builder, *markers: Any) -> None:
        self._model = model
        self._build = build
        self._markers = markers
        self._plans: dict[str, _Plan] = {}

    def _db(self) -> BaseDBAsyncClient:
        # The same choice as Tortoise's own queries (router, else the current connection, which
        # is the transaction's inside `in_transaction`).
        return router.db_for_read(self._model) or self._model._meta.db

    def _compile(self, db: BaseDBAsyncClient) -> _Plan:
        query: Any = self._build(*self._markers)
        query._db = db
        query._make_query()
        sql, params = query.query.get_parameterized_sql()
        slots = []
        for number, marker in enumerate(self._markers):
            found = [
                (index, isinstance(value, str) and not isinstance(marker, str))
                for index, value in enumerate(params)
                if value == marker or (not isinstance(marker, str) and value == str(marker))
            ]
            if len(found) != 1:
                raise RuntimeError(f"marker {number} appears {len(found)} times in {sql!r}")
            slots.append((found[0][0], number, found[0][1]))
        values = isinstance(query, ValuesQuery)
        converters: list[tuple[str, Callable[[Any], Any]]] = []
        if values:
            # As ValuesQuery._execute: identity converters (plain functions) are skipped.
            for alias, field_name in query._fields_for_select.items():
                convert = query.resolve_to_python_value(query.model, field_name)
                if not isinstance(convert, types.LambdaType):
                    converters.append((alias, convert))
        return _Plan(sql, tuple(params), tuple(slots), tuple(converters), values)

    async def rows(self, *args: Any) -> list[Any]:
        """Dicts for a `.values()` builder, model instances for a model queryset."""
        db = self._db()
        dialect = db.capabilities.dialect
        plan = self._plans.get(dialect)
        if plan is None:
            plan = self._plans[dialect] = self._compile(db)
        params = list(plan.params)
        for index, number, as_text in plan.slots:
            params[index] = str(args[number]) if as_text else args[number]
        if plan.values:
            result = await db.execute_query_dict(plan.sql, params)
            for row in result:
                for column, convert in plan.converters:
                    row[column] = convert(row[column])
            return result
        _, records = await db.execute_query(plan.sql, params)
        return [self._model._init_from_db(**dict(record)) for record in records]

    async def first(self, *args: Any) -> Any:
        """The first row (build a `.first()` or `.limit(1)` query), or None."""
        found = await self.rows(*args)
        return found[0] if found else None
