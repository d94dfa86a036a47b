"""Recording events. Call inside the transaction of the change that caused the event."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from mumble.models.events import Event

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
    customer_id: uuid.UUID | None = None,
) -> Event:
    """Write one event to the outbox; `data` is the object as the API shows it."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    return await Event.create(
        account_id=account_id,
        type=event_type,
        customer_id=customer_id,
        data={"occurred_at": dt.datetime.now(dt.UTC).isoformat(), **data},
    )
