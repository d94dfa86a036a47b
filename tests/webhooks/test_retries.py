"""Failures are retried on a schedule driven by the clock; ten dead events disable an endpoint."""

from __future__ import annotations

import datetime as dt
import socket

import httpx

from mumble.clock import rfc3339
from mumble.events.queue import MAX_ATTEMPTS, RETRY_DELAYS
from mumble.events.worker import DeliveryWorker
from mumble.models import WebhookDelivery, WebhookEndpoint
from tests.api import ok, post
from tests.clock import FrozenClock
from tests.conftest import Tenant
from tests.webhooks.conftest import add_webhook, drain
from tests.webhooks.receiver import Receiver


async def _fail_events_to_death(
    client: httpx.AsyncClient,
    tenant: Tenant,
    worker: DeliveryWorker,
    clock: FrozenClock,
    *,
    count: int,
) -> None:
    """`count` new customers whose events fail every attempt (the receiver answers 500)."""
    for n in range(count):
        ok(await post(client, tenant, "add-new-customer", customer_phone=f"97250100{n:04d}"))
    await drain(worker)
    for delay in RETRY_DELAYS:
        clock.current += _step(delay)
        await drain(worker)


def _step(delay: dt.timedelta) -> dt.timedelta:
    """Enough clock time for a retry whatever its jitter (at most +20%)."""
    return delay * 1.2 + dt.timedelta(seconds=1)


async def test_http_500_is_retried_with_exponential_backoff_until_dead(
    client: httpx.AsyncClient,
    tenant: Tenant,
    receiver: Receiver,
    worker: DeliveryWorker,
    clock: FrozenClock,
) -> None:
    hook = await add_webhook(client, tenant.headers, receiver.url, ["customer.created"])
    ok(await post(client, tenant, "add-new-customer", customer_phone="972501000001"))
    receiver.status = 500
    started = clock.now()

    assert await drain(worker) == 1
    delivery = await WebhookDelivery.get(endpoint_id=hook["id"])
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 1, 500)
    assert delivery.last_error == "HTTP 500"
    assert delivery.next_attempt_at is not None
    waits = [delivery.next_attempt_at - clock.now()]
    assert await worker.run_once() == 0  # not due yet: nothing is sent early

    for attempt in range(2, MAX_ATTEMPTS + 1):
        clock.current = delivery.next_attempt_at
        assert await drain(worker) == 1
        delivery = await WebhookDelivery.get(id=delivery.id)
        assert delivery.attempts == attempt
        if delivery.next_attempt_at is not None:
            waits.append(delivery.next_attempt_at - clock.now())
        assert len(receiver.received) == attempt

    assert delivery.status == "dead"
    assert delivery.next_attempt_at is None
    assert len(receiver.received) == MAX_ATTEMPTS == 8
    # Each wait is its scheduled delay within the +-20% jitter, growing exponentially.
    for wait, base in zip(waits, RETRY_DELAYS, strict=True):
        assert base * 0.8 <= wait <= base * 1.2
    total = clock.now() - started
    assert dt.timedelta(hours=20) < total < dt.timedelta(hours=36)
    # Every attempt carries the same event id (for dedupe) and a fresh timestamp.
    assert {item.headers["webhook-id"] for item in receiver.received} == {
        receiver.payloads[0]["id"]
    }
    stamps = [int(item.headers["webhook-timestamp"]) for item in receiver.received]
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == MAX_ATTEMPTS
    endpoint = await WebhookEndpoint.get(id=hook["id"])
    assert (endpoint.enabled, endpoint.consecutive_failures) == (True, 1)
    clock.advance(days=3)
    assert await worker.run_once() == 0

    listed = await client.get(
        "/mumbleapi/get-webhook-deliveries",
        headers=tenant.headers,
        params={"webhook_id": hook["id"], "limit": 3},
    )
    assert listed.status_code == 200
    rows = listed.json()["deliveries"]
    assert [row["attempt"] for row in rows] == [8, 7, 6]
    assert rows[0] == {
        "event_id": receiver.payloads[0]["id"],
        "event_type": "customer.created",
        "attempt": 8,
        "attempted_at": rows[0]["attempted_at"],
        "succeeded": False,
        "status_code": 500,
        "latency_ms": rows[0]["latency_ms"],
        "error": "HTTP 500",
        "delivery_status": "dead",
        "next_retry_at": None,
    }


async def test_a_retry_that_succeeds_delivers_and_reports_the_next_retry_before(
    client: httpx.AsyncClient,
    tenant: Tenant,
    receiver: Receiver,
    worker: DeliveryWorker,
    clock: FrozenClock,
) -> None:
    hook = await add_webhook(client, tenant.headers, receiver.url, ["customer.created"])
    ok(await post(client, tenant, "add-new-customer", customer_phone="972501000001"))
    receiver.status = 503
    await drain(worker)
    delivery = await WebhookDelivery.get(endpoint_id=hook["id"])
    listed = await client.get(
        "/mumbleapi/get-webhook-deliveries",
        headers=tenant.headers,
        params={"webhook_id": hook["id"]},
    )
    (row,) = listed.json()["deliveries"]
    assert (row["status_code"], row["delivery_status"]) == (503, "failed")
    assert delivery.next_attempt_at is not None
    assert row["next_retry_at"] == rfc3339(delivery.next_attempt_at)

    receiver.status = 200
    clock.advance(seconds=7)
    assert await drain(worker) == 1
    delivery = await WebhookDelivery.get(id=delivery.id)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 2, 200)
    assert delivery.delivered_at == clock.now()
    assert len(receiver.received) == 2


async def test_timeout_is_a_failure_and_is_retried(
    client: httpx.AsyncClient,
    tenant: Tenant,
    receiver: Receiver,
    worker: DeliveryWorker,
    clock: FrozenClock,
) -> None:
    hook = await add_webhook(client, tenant.headers, receiver.url, ["customer.created"])
    ok(await post(client, tenant, "add-new-customer", customer_phone="972501000001"))
    receiver.hang = True  # the worker's timeout is 1 second in these tests
    await drain(worker)
    delivery = await WebhookDelivery.get(endpoint_id=hook["id"])
    assert delivery.status == "failed"
    assert delivery.last_status_code is None
    assert delivery.last_error == "Timed out after 1 seconds"
    assert delivery.last_latency_ms is not None
    assert delivery.last_latency_ms >= 900

    receiver.hang = False
    clock.advance(seconds=7)
    await drain(worker)
    assert (await WebhookDelivery.get(id=delivery.id)).status == "delivered"


async def test_refused_connection_is_a_failure_and_is_retried(
    client: httpx.AsyncClient,
    tenant: Tenant,
    receiver: Receiver,
    worker: DeliveryWorker,
    clock: FrozenClock,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    hook = await add_webhook(
        client, tenant.headers, f"http://127.0.0.1:{closed_port}/hook", ["customer.created"]
    )
    ok(await post(client, tenant, "add-new-customer", customer_phone="972501000001"))
    await drain(worker)
    delivery = await WebhookDelivery.get(endpoint_id=hook["id"])
    assert delivery.status == "failed"
    assert delivery.last_error is not None
    assert delivery.next_attempt_at is not None
    assert delivery.last_error.startswith("Connection error: ")
    assert delivery.next_attempt_at - clock.now() <= dt.timedelta(seconds=6)

    # The integrator fixes the URL: the pending retry goes to the new one.
    edited = await client.post(
        "/mumbleapi/edit-webhook",
        headers=tenant.headers,
        json={"webhook_id": hook["id"], "url": receiver.url},
    )
    assert edited.status_code == 200
    clock.advance(seconds=7)
    await drain(worker)
    assert (await WebhookDelivery.get(id=delivery.id)).status == "delivered"
    assert receiver.types == ["customer.created"]


async def test_ten_dead_events_disable_the_endpoint_and_enabling_resumes_the_queue(
    client: httpx.AsyncClient,
    tenant: Tenant,
    receiver: Receiver,
    worker: DeliveryWorker,
    clock: FrozenClock,
) -> None:
    hook = await add_webhook(client, tenant.headers, receiver.url, ["customer.created"])
    receiver.status = 500
    await _fail_events_to_death(client, tenant, worker, clock, count=10)
    assert len(receiver.received) == 10 * MAX_ATTEMPTS
    assert await WebhookDelivery.filter(status="dead").count() == 10

    listed = await client.get("/mumbleapi/get-webhooks", headers=tenant.headers)
    (webhook,) = listed.json()["webhooks"]
    assert webhook["enabled"] is False
    assert webhook["consecutive_failures"] == 10
    assert webhook["disabled_reason"] == (
        "Disabled after 10 consecutive failed events (last error: HTTP 500)"
    )
    assert webhook["disabled_at"] is not None

    # Events keep queueing while disabled, and nothing is sent.
    receiver.status = 200
    ok(await post(client, tenant, "add-new-customer", customer_phone="972502000001"))
    ok(await post(client, tenant, "add-new-customer", customer_phone="972502000002"))
    clock.advance(hours=1)
    assert await drain(worker) == 0
    assert len(receiver.received) == 10 * MAX_ATTEMPTS

    enabled = await client.post(
        "/mumbleapi/edit-webhook",
        headers=tenant.headers,
        json={"webhook_id": hook["id"], "enabled": True},
    )
    assert enabled.status_code == 200
    assert enabled.json()["webhook"]["consecutive_failures"] == 0
    assert await drain(worker) == 2
    # Two customers' events go out concurrently (order is kept per customer only).
    resumed = [item["data"]["customer"]["phone"] for item in receiver.payloads[-2:]]
    assert sorted(resumed) == ["972502000001", "972502000002"]
    endpoint = await WebhookEndpoint.get(id=hook["id"])
    assert (endpoint.enabled, endpoint.consecutive_failures) == (True, 0)


async def test_a_success_resets_the_failed_event_count(
    client: httpx.AsyncClient,
    tenant: Tenant,
    receiver: Receiver,
    worker: DeliveryWorker,
    clock: FrozenClock,
) -> None:
    hook = await add_webhook(client, tenant.headers, receiver.url, ["customer.created"])
    receiver.status = 500
    await _fail_events_to_death(client, tenant, worker, clock, count=9)
    assert (await WebhookEndpoint.get(id=hook["id"])).consecutive_failures == 9
    receiver.status = 200
    ok(await post(client, tenant, "add-new-customer", customer_phone="972503000001"))
    await drain(worker)
    endpoint = await WebhookEndpoint.get(id=hook["id"])
    assert (endpoint.enabled, endpoint.consecutive_failures) == (True, 0)


async def test_events_of_one_customer_arrive_in_order_while_others_flow(
    client: httpx.AsyncClient,
    tenant: Tenant,
    receiver: Receiver,
    worker: DeliveryWorker,
    clock: FrozenClock,
) -> None:
    await add_webhook(
        client, tenant.headers, receiver.url, ["customer.created", "customer.updated"]
    )
    receiver.status = 500
    ok(await post(client, tenant, "add-new-customer", customer_phone="972501000001"))  # A created
    await drain(worker)

    receiver.status = 200
    for name in ("Ann", "Anna", "Annie"):
        edit = await client.post(
            "/mumbleapi/edit-customer",
            headers=tenant.headers,
            json={"customer_phone": "972501000001", "name": name},
        )
        assert edit.status_code == 200
    ok(await post(client, tenant, "add-new-customer", customer_phone="972501000002"))  # B created
    await drain(worker)
    # A's later events wait behind its failed first one; B is not held up.
    seen = [(p["type"], p["data"]["customer"]["phone"]) for p in receiver.payloads]
    assert seen == [
        ("customer.created", "972501000001"),
        ("customer.created", "972501000002"),
    ]

    clock.advance(seconds=7)
    await drain(worker)
    a_events = [
        (p["type"], p["data"]["customer"]["name"])
        for p in receiver.payloads[2:]
        if p["data"]["customer"]["phone"] == "972501000001"
    ]
    assert a_events == [
        ("customer.created", None),
        ("customer.updated", "Ann"),
        ("customer.updated", "Anna"),
        ("customer.updated", "Annie"),
    ]
