"""Recording events. Call inside the transaction of the change that caused the event.

The event is fanned out at once, in the same transaction, to one delivery row per endpoint of
the account subscribed to its type (enabled or not: a disabled endpoint keeps its queue and
resumes from it when re-enabled). Fanning out here rather than later from a sequence cursor
means an event committed after a higher `seq` can never be skipped.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any, NamedTuple

from mumble.clock import rfc3339
from mumble.db import rowsets
from mumble.db.listener import Topic, announce
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
        "customer.consent_changed",
        "template.status_changed",
        "conversation.handed_off",
        "conversation.bot_resumed",
        "campaign.started",
        "campaign.paused",
        "campaign.completed",
    }
)


class Pending(NamedTuple):
    """One event of a batch: its type, its data, the customer it orders by."""

    type: str
    data: dict[str, Any]
    customer_id: uuid.UUID | None = None


def _event(
    account_id: uuid.UUID,
    event_type: str,
    data: dict[str, Any],
    now: dt.datetime,
    customer_id: uuid.UUID | None,
) -> Event:
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    return Event(
        account_id=account_id,
        type=event_type,
        customer_id=customer_id,
        data={"occurred_at": rfc3339(now), **data},
        created_at=now,
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
    event = _event(account_id, event_type, data, now, customer_id)
    await event.save()
    await _fan_out(event, account_id)
    return event


async def record_events(
    account_id: uuid.UUID, events: Sequence[Pending], *, now: dt.datetime
) -> None:
    """Write many events at `now` in a few statements whatever their number (bulk writes): the
    events in order (so `seq` follows it), then one delivery per subscribed endpoint each."""
    rows = [_event(account_id, e.type, e.data, now, e.customer_id) for e in events]
    if not rows:
        return
    seqs = await _insert_events(rows)
    subscribed = await _subscribers(account_id)
    if not any(subscribed.get(row.type) for row in rows):
        return
    if seqs is None:
        # bulk_create leaves generated keys unset: read the sequence numbers back by event id.
        seqs = dict(await Event.filter(id__in=[row.id for row in rows]).values_list("id", "seq"))
    await WebhookDelivery.bulk_create(
        [
            WebhookDelivery(
                endpoint_id=endpoint_id, event_seq=seqs[row.id], customer_id=row.customer_id
            )
            for row in rows
            for endpoint_id in subscribed.get(row.type, ())
        ]
    )
    await announce(Topic.DELIVERIES)


class Stamped(NamedTuple):
    """One event of a set spanning accounts and times: whose, what, and when it was recorded."""

    account_id: uuid.UUID
    event: Pending
    now: dt.datetime


async def record_event_set(events: Sequence[Stamped]) -> None:
    """Write events of any accounts, each at its own time, as `record_event` would one by one
    (the same rows, `seq` in the given order, one delivery per subscribed endpoint), in a few
    statements whatever their number: the events with the endpoints subscribed to each, then
    the deliveries."""
    rows = [_event(s.account_id, s.event.type, s.event.data, s.now, s.event.customer_id)
            for s in events]  # fmt: skip
    if not rows:
        return
    if rowsets.is_postgres(Event):
        seqs, subscribed = await _insert_with_subscribers(rows)
    else:
        await Event.bulk_create(rows)
        seqs = dict(await Event.filter(id__in=[row.id for row in rows]).values_list("id", "seq"))
        accounts = sorted({row.account_id for row in rows})  # type: ignore[attr-defined]
        endpoints = await WebhookEndpoint.filter(account_id__in=accounts).values_list(
            "account_id", "id", "events"
        )
        by_type: dict[tuple[Any, str], list[Any]] = {}
        for account_id, endpoint_id, types in endpoints:
            for event_type in types or []:
                by_type.setdefault((account_id, event_type), []).append(endpoint_id)
        subscribed = {
            row.id: by_type.get((row.account_id, row.type), [])  # type: ignore[attr-defined]
            for row in rows
        }
    deliveries = [
        WebhookDelivery(
            endpoint_id=endpoint_id, event_seq=seqs[row.id], customer_id=row.customer_id
        )
        for row in rows
        for endpoint_id in subscribed.get(row.id, [])
    ]
    if not deliveries:
        return
    if rowsets.is_postgres(WebhookDelivery):
        await rowsets.insert_rows(WebhookDelivery, deliveries, returning=("id",))
    else:
        await WebhookDelivery.bulk_create(deliveries)
    await announce(Topic.DELIVERIES)


async def _insert_with_subscribers(
    rows: list[Event],
) -> tuple[dict[uuid.UUID, int], dict[uuid.UUID, list[Any]]]:
    """Insert the events and read the endpoints subscribed to each in the same statement: the
    seq of each event by id, and its endpoints."""
    insert, params = rowsets.insert_statement(
        Event, rows, returning=("id", "seq", "account_id", "type")
    )
    sql = (
        f"WITH stored AS ({insert}) "
        'SELECT stored."id", stored."seq", w."id" AS endpoint_id FROM stored '
        'LEFT JOIN "webhook_endpoint" w ON w."account_id" = stored."account_id" '
        'AND w."events"::jsonb ? stored."type"'
    )
    seqs: dict[uuid.UUID, int] = {}
    subscribed: dict[uuid.UUID, list[Any]] = {}
    for found in await rowsets.connection(Event).execute_query_dict(sql, params):
        event_id = uuid.UUID(str(found["id"]))
        seqs[event_id] = found["seq"]
        if found["endpoint_id"] is not None:
            subscribed.setdefault(event_id, []).append(found["endpoint_id"])
    return seqs, subscribed


async def _insert_events(rows: list[Event]) -> dict[Any, int] | None:
    """Store the events in order (so `seq` follows it); their seqs by id when known."""
    if not rowsets.is_postgres(Event):
        await Event.bulk_create(rows)
        return None
    # One statement for the whole batch rather than one INSERT per event (mumble.db.rowsets).
    stored = await rowsets.insert_rows(Event, rows, returning=("id", "seq"))
    return {uuid.UUID(str(row["id"])): row["seq"] for row in stored}


async def _subscribers(account_id: uuid.UUID) -> dict[str, list[Any]]:
    """The account's endpoints by the event types they subscribed to."""
    # JSON containment lookups are not portable to SQLite; an account has few endpoints.
    endpoints = await WebhookEndpoint.filter(account_id=account_id).values_list("id", "events")
    by_type: dict[str, list[Any]] = {}
    for endpoint_id, types in endpoints:
        for event_type in types or []:
            by_type.setdefault(event_type, []).append(endpoint_id)
    return by_type


async def _fan_out(event: Event, account_id: uuid.UUID) -> None:
    """One pending delivery per endpoint of the account subscribed to the event's type."""
    subscribed = (await _subscribers(account_id)).get(event.type, [])
    if subscribed:
        await WebhookDelivery.bulk_create(
            [
                WebhookDelivery(
                    endpoint_id=endpoint_id, event_seq=event.seq, customer_id=event.customer_id
                )
                for endpoint_id in subscribed
            ]
        )
        await announce(Topic.DELIVERIES)
