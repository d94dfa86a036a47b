"""test-webhook sends a signed sample event now and reports what the endpoint answered."""

from __future__ import annotations

import socket
import time

import httpx

from mumble.events import signing
from mumble.models import WebhookAttempt, WebhookDelivery
from tests.api import post
from tests.conftest import Tenant
from tests.webhooks.conftest import add_webhook
from tests.webhooks.receiver import Receiver


async def test_test_webhook_sends_a_signed_sample_and_reports_success(
    client: httpx.AsyncClient, tenant: Tenant, receiver: Receiver
) -> None:
    hook = await add_webhook(client, tenant.headers, receiver.url, ["message.received"])
    response = await post(client, tenant, "test-webhook", webhook_id=hook["id"])
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "success": True,
        "delivered": True,
        "event_id": body["event_id"],
        "status_code": 200,
        "latency_ms": body["latency_ms"],
        "error": None,
    }
    assert 0 <= body["latency_ms"] < 5000
    (item,) = receiver.received
    assert item.payload["type"] == "webhook.test"
    assert item.payload["id"] == body["event_id"] == item.headers["webhook-id"]
    assert item.payload["account"] == str(tenant.account.id)
    assert item.payload["data"]["webhook_id"] == hook["id"]
    assert signing.verify(
        hook["secret"],
        item.headers["webhook-id"],
        item.headers["webhook-timestamp"],
        item.headers["webhook-signature"],
        item.body,
        now=time.time(),
    )
    # A test is not an event: nothing is queued or logged as a delivery.
    assert await WebhookDelivery.all().count() == 0
    assert await WebhookAttempt.all().count() == 0


async def test_test_webhook_reports_an_error_status(
    client: httpx.AsyncClient, tenant: Tenant, receiver: Receiver
) -> None:
    hook = await add_webhook(client, tenant.headers, receiver.url, ["message.received"])
    receiver.status = 500
    body = (await post(client, tenant, "test-webhook", webhook_id=hook["id"])).json()
    assert (body["success"], body["delivered"], body["status_code"], body["error"]) == (
        True,
        False,
        500,
        "HTTP 500",
    )


async def test_test_webhook_reports_a_refused_connection(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    hook = await add_webhook(
        client, tenant.headers, f"http://127.0.0.1:{port}/x", ["message.received"]
    )
    body = (await post(client, tenant, "test-webhook", webhook_id=hook["id"])).json()
    assert (body["delivered"], body["status_code"]) == (False, None)
    assert body["error"].startswith("Connection error: ")


async def test_test_webhook_reports_a_timeout(
    client: httpx.AsyncClient, tenant: Tenant, receiver: Receiver
) -> None:
    hook = await add_webhook(client, tenant.headers, receiver.url, ["message.received"])
    receiver.hang = True
    body = (await post(client, tenant, "test-webhook", webhook_id=hook["id"])).json()
    assert (body["delivered"], body["status_code"]) == (False, None)
    assert body["error"] == "Timed out after 1 seconds"
