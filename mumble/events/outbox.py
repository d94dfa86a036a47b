"""Recording events. Call inside the transaction of the change that caused the event.

The event is fanned out at once, in the same transaction, to one delivery row per endpoint of
the account subscribed to its type (enabled or not: a disabled endpoint keeps its queue and
resumes from it when re-enabled). Fanning out here rather than later from a sequence cursor
means an event committed after a higher `seq` can never be skipped.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from mumble.models.events import Event
from mumble.models.webhooks import WebhookDelivery, WebhookEndpoint

EVENT_TYPES = frozenset(
    {
        "message.received",
        "message.sent",
        "message.delivered",
        "message.read",
        "message.failed",
        "customer.created",
        "customer.updated",
        "customer.deleted",
        "customer.conversation_status_changed",
        "customer.assigned",
        "customer.label_added",
        "customer.label_removed",
        "template.status_changed",
    }
)


async def record_event(
    account_id: uuid.UUID,
    event_type: str,
    data: dict[str, Any],
    *,
    now: dt.datetime,
    customer_id: uuid.UUID | None = None,
) -> Event:
    """Write one event to the outbox at `now`; `data` is the object as the API shows it."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    event = await Event.create(
        account_id=account_id,
        type=event_type,
        customer_id=customer_id,
        data={"occurred_at": now.isoformat(), **data},
        created_at=now,
    )
    await _fan_out(event, account_id)
    return event


async def _fan_out(event: Event, account_id: uuid.UUID) -> None:
    """One pending delivery per endpoint of the account subscribed to the event's type."""
    # JSON containment lookups are not portable to SQLite; an account has few endpoints.
    endpoints = await WebhookEndpoint.filter(account_id=account_id).values_list("id", "events")
    subscribed = [endpoint_id for endpoint_id, types in endpoints if event.type in (types or [])]
    if subscribed:
        await WebhookDelivery.bulk_create(
            [
                WebhookDelivery(
                    endpoint_id=endpoint_id, event_seq=event.seq, customer_id=event.customer_id
                )
                for endpoint_id in subscribed
            ]
        )
