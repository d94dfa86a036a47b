"""Changing a customer: the one sequence every write of the customer aggregate goes through.

Inside the caller's transaction, on a locked row: compare the new values with the stored ones,
save only the columns that changed (and `updated_at`, set to the change's `now`), then record
the change's event with the customer as the API shows it. Nothing changed means nothing saved
and no event. `touch` moves `updated_at` for a change kept outside the customer row (labels).
Many customers at once: `customers.bulk`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import orjson

from mumble.customers.views import customer_view
from mumble.errors import NotFound, Refusal
from mumble.events.outbox import record_event
from mumble.models import Customer

CUSTOMER_NOT_FOUND = Refusal(NotFound, "Customer not found")
# (the customer's view, the columns that changed) -> the event's data.
EventData = Callable[[dict[str, Any], list[str]], dict[str, Any]]
# Columns that change together: the bot is its mode and its id.
_PAIRED = ("bot_mode", "bot_id")


def updated_data(view: dict[str, Any], changed: list[str]) -> dict[str, Any]:
    """The data of customer.updated: the customer and the columns that changed."""
    return {"customer": view, "changed": changed}


def _differs(current: Any, new: Any) -> bool:
    """Whether storing `new` changes the column (JSON compared as stored: 1, 1.0, true differ)."""
    if isinstance(new, dict):
        return orjson.dumps(current or {}, option=orjson.OPT_SORT_KEYS) != orjson.dumps(
            new, option=orjson.OPT_SORT_KEYS
        )
    return bool(current != new)


def set_changed(customer: Customer, values: dict[str, Any], now: dt.datetime) -> list[str]:
    """Set on `customer` the values that differ (and `updated_at`); returns those columns."""
    differ = {name for name, value in values.items() if _differs(getattr(customer, name), value)}
    if differ & set(_PAIRED):
        differ |= set(_PAIRED) & set(values)
    changed = [name for name in values if name in differ]
    for name in changed:
        setattr(customer, name, values[name])
    if changed:
        customer.updated_at = now
    return changed


async def touch(customer_ids: Sequence[uuid.UUID], now: dt.datetime) -> None:
    """Move `updated_at` of customers whose change lives in another table (their labels)."""
    if customer_ids:
        await Customer.filter(id__in=list(customer_ids)).update(updated_at=now)


async def locked_customer(
    account_id: uuid.UUID, phone: str | None, *, bsuid: str | None = None
) -> Customer:
    """The account's customer with this phone (or, when `phone` is None, this business-scoped
    user id), locked for the rest of the caller's transaction; 404 "Customer not found"."""
    key = {"phone": phone} if phone is not None else {"bsuid": bsuid}
    customer = (
        await Customer.filter(account_id=account_id, **key).select_for_update(no_key=True).first()
    )
    if customer is None:
        raise CUSTOMER_NOT_FOUND()
    return customer


async def apply_change(
    customer: Customer,
    values: dict[str, Any],
    now: dt.datetime,
    *,
    event: str = "customer.updated",
    data: EventData = updated_data,
) -> list[str]:
    """Store the values that differ and record `event`; returns the changed columns."""
    changed = set_changed(customer, values, now)
    if not changed:
        return []
    await customer.save(update_fields=[*changed, "updated_at"])
    view = await customer_view(customer)
    await record_event(
        customer.account_id,  # type: ignore[attr-defined]
        event,
        data(view, changed),
        now=now,
        customer_id=customer.id,
    )
    return changed
