"""The delivery queue itself: concurrent claims never overlap, schedule and fan-out rules."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import uuid
from typing import Any

import pytest
from tortoise.transactions import in_transaction

from mumble.clock import SystemClock
from mumble.events import queue
from mumble.events.outbox import record_event
from mumble.events.signing import new_secret
from mumble.models import Event, WebhookDelivery, WebhookEndpoint
from tests.conftest import Tenant

NOW = dt.datetime(2026, 6, 29, 12, 0, tzinfo=dt.UTC)


async def _endpoint(tenant: Tenant, events: list[str], **extra: Any) -> WebhookEndpoint:
    return await WebhookEndpoint.create(
        account_id=tenant.account.id,
        url="http://127.0.0.1:9/hook",
        events=events,
        secret=new_secret(),
        **extra,
    )


async def _record(tenant: Tenant, count: int, *, customer: uuid.UUID | None = None) -> None:
    async with in_transaction():
        for n in range(count):
            await record_event(
                tenant.account.id,
                "customer.updated",
                {"n": n},
                now=SystemClock().now(),
                customer_id=customer or uuid.uuid4(),
            )


async def test_concurrent_claims_never_take_the_same_delivery_twice(tenant: Tenant) -> None:
    await _endpoint(tenant, ["customer.updated"])
    await _record(tenant, 100)
    batches = await asyncio.gather(
        *(queue.claim_due(NOW, limit=20, lease_seconds=60) for _ in range(8))
    )
    claimed = [claim.delivery_id for batch in batches for claim in batch]
    assert len(claimed) == len(set(claimed)) == 100
    leases = {claim.lease for batch in batches for claim in batch}
    assert len(leases) == sum(1 for batch in batches if batch)
    assert await WebhookDelivery.filter(status="in_flight").count() == 100
    # Leased rows are not due again until the lease runs out...
    assert await queue.claim_due(NOW + dt.timedelta(seconds=59), limit=100, lease_seconds=60) == []
    # ...and then they are (a crashed worker's deliveries resume).
    again = await queue.claim_due(NOW + dt.timedelta(seconds=61), limit=100, lease_seconds=60)
    assert sorted(claim.delivery_id for claim in again) == sorted(claimed)


async def test_only_the_oldest_open_delivery_of_a_customer_is_claimable(tenant: Tenant) -> None:
    await _endpoint(tenant, ["customer.updated"])
    customer = uuid.uuid4()
    await _record(tenant, 3, customer=customer)
    await _record(tenant, 2)  # two other customers
    first = await queue.claim_due(NOW, limit=10, lease_seconds=60)
    assert len(first) == 3  # the customer's head and the two others
    heads = await WebhookDelivery.filter(customer_id=customer, status="in_flight").count()
    assert heads == 1
    assert await queue.claim_due(NOW, limit=10, lease_seconds=60) == []


async def test_disabled_endpoints_keep_their_queue_but_are_not_claimed(tenant: Tenant) -> None:
    endpoint = await _endpoint(tenant, ["customer.updated"], enabled=False)
    await _record(tenant, 2)
    assert await WebhookDelivery.filter(endpoint_id=endpoint.id).count() == 2
    assert await queue.claim_due(NOW, limit=10, lease_seconds=60) == []
    await WebhookEndpoint.filter(id=endpoint.id).update(enabled=True)
    assert len(await queue.claim_due(NOW, limit=10, lease_seconds=60)) == 2


async def test_event_and_deliveries_roll_back_with_the_change(tenant: Tenant) -> None:
    await _endpoint(tenant, ["customer.updated"])

    async def failing_change() -> None:
        async with in_transaction():
            await record_event(
                tenant.account.id, "customer.updated", {}, now=SystemClock().now(), customer_id=None
            )
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        await failing_change()
    assert await Event.all().count() == 0
    assert await WebhookDelivery.all().count() == 0


async def test_unknown_event_type_is_refused(tenant: Tenant) -> None:
    with pytest.raises(ValueError, match="unknown event type"):
        await record_event(tenant.account.id, "customer.exploded", {}, now=SystemClock().now())


def test_retry_schedule_spans_about_a_day_with_bounded_jitter() -> None:
    rng = random.Random(1)
    total = dt.timedelta()
    for attempt in range(1, queue.MAX_ATTEMPTS):
        delay = queue.retry_delay(attempt, rng)
        assert delay is not None
        base = queue.RETRY_DELAYS[attempt - 1]
        assert base * 0.8 <= delay <= base * 1.2
        total += base
    assert queue.retry_delay(queue.MAX_ATTEMPTS, rng) is None
    assert dt.timedelta(hours=24) <= total <= dt.timedelta(hours=30)
    assert list(queue.RETRY_DELAYS) == sorted(queue.RETRY_DELAYS)
