"""Status sets store what the general path stores: rows, events, deliveries, parked statuses.

Each sequence runs twice, in two tenants with the same customers, messages and endpoint: once
one status at a time (the general path) and once through a coalescer applying sets
(`mumble.messages.status_sets`, PostgreSQL; on SQLite the set leaves every status to the
general path). What each stored is compared with the tenant-specific ids taken out.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from tortoise.transactions import in_transaction

from mumble.db import rowsets
from mumble.db.batches import Coalescer
from mumble.events.signing import new_secret
from mumble.inbound.service import handle_payload
from mumble.messages import statuses
from mumble.messages.status_sets import StatusItem, apply_known
from mumble.models import (
    Customer,
    Event,
    Message,
    PendingStatus,
    Template,
    WebhookDelivery,
    WebhookEndpoint,
)
from mumble.models.states import Direction, MessageStatus
from tests.clock import FrozenClock
from tests.conftest import MakeTenant, Tenant
from tests.messages.support import messages_envelope

BASE_URL = "http://mumble.test"
PHONES = ("15550001001", "15550001002")
TS = 1782731000
# wamid -> (customer index, status, marketing template)
MESSAGES = {
    "wamid.1": (0, MessageStatus.SENT, False),
    "wamid.2": (0, MessageStatus.ACCEPTED, False),
    "wamid.3": (1, MessageStatus.SENT, False),
    "wamid.4": (1, MessageStatus.DELIVERED, False),
    "wamid.m": (1, MessageStatus.SENT, True),
}
INBOUND = "wamid.in"
LATE = "wamid.late"

Apply = Callable[[list[StatusItem]], Awaitable[list[bool]]]


def _status(wamid: str, status: str, ts: int = TS, **extra: Any) -> dict[str, Any]:
    return {"id": wamid, "status": status, "timestamp": str(ts), "recipient_id": PHONES[0]} | extra


def _failed(wamid: str, code: int, ts: int = TS) -> dict[str, Any]:
    error = {"code": code, "title": "Title", "error_data": {"details": f"details {code}"}}
    return _status(wamid, "failed", ts, errors=[error])


async def _world(make_tenant: MakeTenant, name: str) -> Tenant:
    tenant = await make_tenant(name)
    account = tenant.account.id
    await WebhookEndpoint.create(
        account_id=account,
        url="http://127.0.0.1:9/hook",
        events=["message.sent", "message.delivered", "message.read", "message.failed"],
        secret=new_secret(),
    )
    # A second endpoint that wants reads only: each event goes to the endpoints subscribed.
    await WebhookEndpoint.create(
        account_id=account,
        url="http://127.0.0.1:9/reads",
        events=["message.read", "customer.updated"],
        secret=new_secret(),
    )
    customers = [await Customer.create(account_id=account, phone=phone) for phone in PHONES]
    template = await Template.create(
        account_id=account, name="promo", language="en", category="MARKETING", body="Sale"
    )
    occurred = dt.datetime(2026, 6, 29, 11, 0, tzinfo=dt.UTC)
    for wamid, (who, status, marketing) in MESSAGES.items():
        await Message.create(
            account_id=account,
            customer_id=customers[who].id,
            direction=Direction.OUTBOUND,
            type="template" if marketing else "text",
            text=f"to {who}",
            wamid=wamid,
            status=status,
            template_id=template.id if marketing else None,
            occurred_at=occurred,
            sent_at=occurred if status != MessageStatus.ACCEPTED else None,
        )
    await Message.create(
        account_id=account,
        customer_id=customers[0].id,
        direction=Direction.INBOUND,
        type="text",
        text="hi",
        wamid=INBOUND,
        status=MessageStatus.RECEIVED,
        occurred_at=occurred,
    )
    return tenant


async def _record_late_send(tenant: Tenant, clock: FrozenClock) -> None:
    """The send that records LATE, applying what was parked for it (as messages.service does)."""
    customer = await Customer.get(account_id=tenant.account.id, phone=PHONES[0])
    async with in_transaction():
        message = await Message.create(
            account_id=tenant.account.id,
            customer_id=customer.id,
            direction=Direction.OUTBOUND,
            type="text",
            text="late",
            wamid=LATE,
            status=MessageStatus.ACCEPTED,
            occurred_at=clock.now(),
        )
        await statuses.apply_parked(message, clock.now(), base_url=BASE_URL)


Step = list[dict[str, Any]] | str


async def _run(
    tenant: Tenant, steps: list[Step], clock: FrozenClock, apply: Apply | None, *, together: bool
) -> None:
    coalescer = Coalescer(apply, window=0.002, limit=1000) if apply else None

    async def post(items: list[dict[str, Any]]) -> None:
        body = messages_envelope(tenant, statuses=items)
        await handle_payload(body, clock=clock, base_url=BASE_URL, statuses=coalescer)

    if together:
        await asyncio.gather(*(post(step) for step in steps if not isinstance(step, str)))
    for step in [] if together else steps:
        if step == "record late send":
            await _record_late_send(tenant, clock)
        elif not isinstance(step, str):
            await post(step)
        clock.advance(seconds=1)
    if coalescer is not None:
        await coalescer.close()


def _plain(data: Any) -> Any:
    """An event's data without what differs between the two tenants (ids, our numbers, the
    wall-clock time rows were created at)."""
    if isinstance(data, list):
        return [_plain(value) for value in data]
    if not isinstance(data, dict):
        return data
    hidden = {"id", "from", "to", "template_id", "created_at"}
    plain = {k: _plain(v) for k, v in data.items() if k not in hidden}
    return plain | ({"template": data["template_id"] is not None} if "template_id" in data else {})


async def _stored(tenant: Tenant, *, ordered: bool = True) -> dict[str, Any]:
    account = tenant.account.id
    messages = await Message.filter(account_id=account).order_by("wamid")
    events = await Event.filter(account_id=account).order_by("seq")
    by_seq = {event.seq: event for event in events}
    urls = dict(await WebhookEndpoint.filter(account_id=account).values_list("id", "url"))
    found = await WebhookDelivery.filter(endpoint_id__in=list(urls))
    # In event order; within one event the endpoints' order is not part of the contract.
    deliveries = sorted(found, key=lambda d: (d.event_seq, urls[d.endpoint_id]))
    parked = await PendingStatus.filter(account_id=account).order_by("wamid", "status")
    customers = await Customer.filter(account_id=account).order_by("phone")
    phones = {c.id: c.phone for c in customers}
    event_rows: list[Any] = [(e.type, _plain(e.data), e.customer_id is not None) for e in events]
    # Queued for the endpoint, with the customer they order by; the embedded worker may have
    # tried some already, so their state is no part of what is compared.
    delivery_rows = [
        (
            by_seq[d.event_seq].type,
            by_seq[d.event_seq].data["message_wa_id"],
            phones.get(d.customer_id) if d.customer_id else None,
            urls[d.endpoint_id],
        )
        for d in deliveries
    ]
    if not ordered:
        # Concurrent POSTs land in either order: what was recorded, not in which order.
        event_rows = sorted((t, d["message_wa_id"], d["status"]) for t, d, _ in event_rows)
        delivery_rows = sorted(delivery_rows)

    return {
        "messages": [
            (
                m.wamid,
                m.direction,
                m.status,
                m.error_code,
                m.error_message,
                m.sent_at if ordered else m.sent_at is not None,
                m.delivered_at if ordered else m.delivered_at is not None,
                m.read_at if ordered else m.read_at is not None,
                m.failed_at if ordered else m.failed_at is not None,
            )
            for m in messages
        ],
        "events": event_rows,
        "deliveries": delivery_rows,
        "parked": [
            (p.wamid, p.status, p.occurred_at, p.error_code, p.error_message, p.callback_data)
            for p in parked
        ],
        "consent": [(c.phone, c.marketing_consent, c.consent_source) for c in customers],
    }


# How many statuses the sets of the last `_both` applied themselves (not left to the general path).
APPLIED_BY_SETS: list[int] = []


async def _both(
    make_tenant: MakeTenant,
    steps: list[Step],
    *,
    together: bool = False,
    apply: Apply = apply_known,
) -> tuple[dict[str, Any], dict[str, Any]]:
    general, sets = await _world(make_tenant, "General"), await _world(make_tenant, "Sets")
    APPLIED_BY_SETS.clear()

    async def counted(items: list[StatusItem]) -> list[bool]:
        results = await apply(items)
        APPLIED_BY_SETS.append(sum(results))
        return results

    await _run(general, steps, FrozenClock(), None, together=together)
    await _run(sets, steps, FrozenClock(), counted, together=together)
    return await _stored(general, ordered=not together), await _stored(sets, ordered=not together)


def _sets_applied() -> int:
    return sum(APPLIED_BY_SETS)


def _on_postgres() -> bool:
    return rowsets.is_postgres(Message)


SEQUENCES: dict[str, list[Step]] = {
    "duplicates": [
        [_status("wamid.1", "delivered")],
        [_status("wamid.1", "delivered", TS + 5)],
        [_status("wamid.1", "read", TS + 9), _status("wamid.1", "read", TS + 10)],
        [_status("wamid.1", "sent", TS - 9)],
    ],
    "read_before_delivered": [
        [_status("wamid.2", "read", TS + 3)],
        [_status("wamid.2", "delivered", TS + 1)],
        [_status("wamid.2", "sent", TS)],
    ],
    "one_post_climbs_and_repeats": [
        [
            _status("wamid.2", "sent"),
            _status("wamid.2", "delivered", TS + 1),
            _status("wamid.2", "delivered", TS + 2),
            _status("wamid.2", "read", TS + 3),
            _status("wamid.2", "delivered", TS + 4),
        ],
    ],
    "failed_with_error": [
        [_status("wamid.3", "delivered"), _failed("wamid.3", 131026, TS + 1)],
        [_status("wamid.3", "read", TS + 2)],
        [_failed("wamid.4", 131049, TS + 3), _failed("wamid.4", 131026, TS + 4)],
    ],
    "played": [
        [_status("wamid.4", "played", TS + 7)],
        [_status("wamid.4", "read", TS + 8)],
    ],
    "two_customers_in_one_post": [
        [
            _status("wamid.1", "delivered"),
            _status("wamid.3", "delivered", TS + 1),
            _status("wamid.3", "read", TS + 2),
            _status("wamid.1", "read", TS + 3),
            _status("wamid.4", "read", TS + 4),
        ],
    ],
    "unknown_id_then_send": [
        [_status(LATE, "delivered", TS + 1, biz_opaque_callback_data="cb-1")],
        [_status(LATE, "sent"), _status("wamid.1", "delivered")],
        "record late send",
        [_status(LATE, "read", TS + 5), _status("wamid.1", "read", TS + 6)],
    ],
    "marketing_stopped_opts_out": [
        [_failed("wamid.m", 131050)],
    ],
    "inbound_and_odd_items": [
        [
            _status(INBOUND, "read"),
            _status("wamid.1", "deleted"),
            {"status": "read"},
            _status("wamid.1", "delivered"),
            _status("x" * 300, "read"),
        ],
    ],
}


@pytest.mark.parametrize("name", sorted(SEQUENCES))
async def test_a_status_set_stores_what_the_general_path_stores(
    server: str, make_tenant: MakeTenant, name: str
) -> None:
    general, sets = await _both(make_tenant, SEQUENCES[name])

    assert sets == general
    assert general["events"]
    # The sets did the work (SQLite leaves every status to the general path).
    assert (_sets_applied() > 0) == _on_postgres()


async def test_the_sequences_store_what_the_rules_say(server: str, make_tenant: MakeTenant) -> None:
    """A look at what both paths store, so equal never means equally wrong."""
    _, sets = await _both(make_tenant, SEQUENCES["read_before_delivered"])
    [row] = [m for m in sets["messages"] if m[0] == "wamid.2"]
    assert row[2] == MessageStatus.READ
    # Each status's own (first) timestamp, the read's first.
    assert [stamp and int(stamp.timestamp()) for stamp in row[5:9]] == [TS, TS + 1, TS + 3, None]
    assert [(t, d["status"]) for t, d, _ in sets["events"]] == [
        ("message.sent", "sent"),
        ("message.delivered", "delivered"),
        ("message.read", "read"),
    ]
    assert [(d[0], d[1], d[3]) for d in sets["deliveries"]] == [
        ("message.sent", "wamid.2", "http://127.0.0.1:9/hook"),
        ("message.delivered", "wamid.2", "http://127.0.0.1:9/hook"),
        ("message.read", "wamid.2", "http://127.0.0.1:9/hook"),
        ("message.read", "wamid.2", "http://127.0.0.1:9/reads"),
    ]
    _, sets = await _both(make_tenant, SEQUENCES["marketing_stopped_opts_out"])
    assert [c[1] for c in sets["consent"]] == [None, "opted_out"]


async def test_concurrent_posts_for_the_same_message_end_the_same(
    server: str, make_tenant: MakeTenant
) -> None:
    posts: list[Step] = [
        [_status("wamid.1", "delivered")],
        [_status("wamid.1", "read")],
        [_status("wamid.1", "read")],
        [_status("wamid.1", "played"), _status("wamid.3", "delivered")],
        [_status("wamid.1", "sent")],
        [_status("wamid.3", "read"), _status("wamid.2", "delivered")],
        [_status(LATE, "read")],
    ]

    general, sets = await _both(make_tenant, posts, together=True)

    assert sets == general
    assert ("message.read", "wamid.1", "read") in sets["events"]
    assert (_sets_applied() > 0) == _on_postgres()


async def test_a_failed_set_is_redone_one_by_one_and_loses_nothing(
    server: str, make_tenant: MakeTenant
) -> None:
    async def rolled_back(items: list[StatusItem]) -> list[bool]:
        # The set is applied, then its transaction fails before the commit.
        async with in_transaction():
            await apply_known(items)
            raise RuntimeError("commit failed")

    steps = SEQUENCES["two_customers_in_one_post"] + SEQUENCES["failed_with_error"]

    general, sets = await _both(make_tenant, steps, apply=rolled_back)

    assert sets == general
    assert len(sets["events"]) >= 6
    # Every set was rolled back: the statuses were all applied one by one.
    assert _sets_applied() == 0
