"""get-customer by phone as one PostgreSQL statement: the row, its labels and the names it links to.

The general path (`Recipient.get`, then `views.customer_view`) is two statements for a
customer with no agent, team or bot and up to five with all three. On PostgreSQL one statement
reads everything: the customer's columns exactly as Tortoise selects them (turned into a
`Customer` by Tortoise's own `_init_from_db`, so every column is converted as on the general
path), the label names in the general path's order as an array, and the agent's, team's and
bot's names by LEFT JOIN. The view is then built by the same `views.build_view`.
tests/customers/test_hotview.py checks both paths give the same view. SQLite keeps the
general path (no network round trip to save there).
"""

from __future__ import annotations

import functools
import uuid
from typing import Any

from mumble.customers.views import build_view, view_row
from mumble.db.rowsets import connection, is_postgres
from mumble.models import Customer


@functools.cache
def _sql() -> tuple[str, tuple[str, ...]]:
    # The projection is complete only once Tortoise is initialised, so this is built on first use.
    columns = tuple(Customer._meta.fields_db_projection.values())
    selected = ", ".join(f'c."{column}"' for column in columns)
    sql = (
        f"SELECT {selected}, "
        'ARRAY(SELECT l."name" FROM "customer_label" cl JOIN "label" l ON l."id" = cl."label_id" '
        'WHERE cl."customer_id" = c."id" ORDER BY cl."created_at", cl."id") AS "_labels", '
        'a."name" AS "_agent", t."name" AS "_team", b."name" AS "_bot" '
        'FROM "customer" c LEFT JOIN "agent" a ON a."id" = c."agent_id" '
        'LEFT JOIN "team" t ON t."id" = c."team_id" LEFT JOIN "bot" b ON b."id" = c."bot_id" '
        'WHERE c."account_id" = $1 AND c."phone" = $2 LIMIT 1'
    )
    return sql, columns


def available() -> bool:
    """Whether the one-statement read applies (PostgreSQL)."""
    return is_postgres(Customer)


def _named(id_: Any, name: str | None) -> dict[str, Any] | None:
    return None if id_ is None or name is None else {"id": str(id_), "name": name}


async def view_by_phone(account_id: uuid.UUID, phone: str) -> tuple[str, dict[str, Any]] | None:
    """(the customer's id, its get-customer view), or None when the account has no such phone."""
    sql, columns = _sql()
    found = await connection(Customer).execute_query_dict(sql, [account_id, phone])
    if not found:
        return None
    record = found[0]
    customer = Customer._init_from_db(**{column: record[column] for column in columns})
    row = view_row(customer)
    view = build_view(
        row,
        list(record["_labels"] or ()),
        _named(row["agent_id"], record["_agent"]),
        _named(row["team_id"], record["_team"]),
        _named(row["bot_id"], record["_bot"]),
    )
    return str(row["id"]), view
