"""Changing many customers at once: `changes.apply_change` in a few statements, not per row.

Inside the caller's transaction, on rows it locked: the values that differ are set on each
customer (with `updated_at`), stored in one UPDATE per few hundred rows, and the events are
recorded in bulk with every customer as the API shows it, the views built in a few queries.
Used by import-customers and by whatever unassigns many customers (deleting an agent, a team
or a bot, or a custom field).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from mumble.customers.changes import EventData, set_changed, updated_data
from mumble.customers.views import customer_views, view_row
from mumble.events.outbox import Pending, record_events
from mumble.models import Customer

# Bound parameters per UPDATE stay well below SQLite's and PostgreSQL's limits (32766).
_MAX_PARAMETERS = 30_000
# (the customer's view) -> the event's data, for events that are not about changed columns.
ViewData = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Change:
    """New values for one customer, and the event to record when any of them differs."""

    customer: Customer
    values: dict[str, Any]
    event: str = "customer.updated"
    data: EventData = updated_data


async def save_changes(changes: Sequence[Change], now: dt.datetime) -> list[list[str]]:
    """Set and store the values that differ; returns each change's changed columns."""
    changed = [set_changed(change.customer, change.values, now) for change in changes]
    dirty = [change.customer for change, columns in zip(changes, changed, strict=True) if columns]
    if not dirty:
        return changed
    columns = [*sorted({column for names in changed for column in names}), "updated_at"]
    # A CASE per column with two parameters per row, plus the row's id.
    batch = max(1, _MAX_PARAMETERS // (2 * len(columns) + 1))
    await Customer.bulk_update(dirty, fields=columns, batch_size=batch)
    return changed


async def record_customer_events(
    account_id: uuid.UUID,
    events: Sequence[tuple[Customer, str, ViewData]],
    now: dt.datetime,
) -> None:
    """One event per (customer, type, data): the views in a few queries, the events in bulk."""
    views = await customer_views([view_row(customer) for customer, _, _ in events])
    await record_events(
        account_id,
        [
            Pending(event_type, data(view), customer.id)
            for (customer, event_type, data), view in zip(events, views, strict=True)
        ],
        now=now,
    )


async def apply_changes(
    account_id: uuid.UUID, changes: Sequence[Change], now: dt.datetime
) -> list[list[str]]:
    """`save_changes`, then each changed customer's event; returns the changed columns."""
    changed = await save_changes(changes, now)
    await record_customer_events(
        account_id,
        [
            (change.customer, change.event, bound_data(change.data, columns))
            for change, columns in zip(changes, changed, strict=True)
            if columns
        ],
        now,
    )
    return changed


def bound_data(data: EventData, columns: list[str]) -> ViewData:
    """An event's data function with its changed columns filled in."""
    return lambda view: data(view, columns)
