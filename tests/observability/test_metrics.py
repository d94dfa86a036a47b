"""/metrics after real traffic: every family moves, with the right labels and bounded routes.

The registry is per process (as in production), so tests compare scrapes before and after.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import AsyncIterator

import aiohttp
import httpx
import pytest
import pytest_asyncio
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from mumble.accounts import service as accounts
from mumble.app import create_app
from mumble.events.worker import DeliveryWorker
from mumble.settings import Settings
from tests.clock import FrozenClock
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import PHONE, customer_writes, inject_fault
from tests.webhooks.conftest import add_webhook, drain
from tests.webhooks.receiver import Receiver

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def _thing(request: Request) -> PlainTextResponse:
    return PlainTextResponse(request.path_params["thing_id"])


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The test drives the webhook worker itself, so the outbox depth is observable before it runs.
    return dataclasses.replace(settings, run_worker=False, webhook_timeout_seconds=2)


@pytest.fixture
def app(settings: Settings, clock: FrozenClock) -> Starlette:
    app = create_app(settings, clock=clock)
    # A route with a path parameter: its template, not each raw path, is the label.
    app.router.routes.append(Route("/things/{thing_id}", _thing))
    return app


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with Receiver().running() as running:
        yield running


async def scrape(client: httpx.AsyncClient) -> Samples:
    """Every sample of /metrics, keyed by name and sorted labels."""
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


async def _send(client: httpx.AsyncClient, tenant: Tenant, text: str) -> httpx.Response:
    return await client.post(
        "/mumbleapi/send-text-message",
        headers=tenant.headers,
        json={"customer_phone": PHONE, "text": text},
    )


async def test_a_send_an_inbound_message_and_a_meta_error_are_counted(
    client: httpx.AsyncClient, tenant: Tenant, sandbox: SandboxHandle
) -> None:
    before = await scrape(client)

    await customer_writes(sandbox, tenant, text="Hi")
    sent = await _send(client, tenant, "Hello")
    await sandbox.flush()  # the sandbox's sent/delivered/read status webhooks
    await inject_fault(sandbox, target="messages", error_code=131026, count=1)
    refused = await _send(client, tenant, "Hello again")
    after = await scrape(client)

    assert sent.status_code == 200, sent.text
    assert refused.status_code >= 400
    assert moved(before, after, "mumble_inbound_webhook_batches_total", outcome="processed") >= 2
    assert (
        moved(before, after, "mumble_messages_total", direction="inbound", status="received") == 1
    )
    assert (
        moved(before, after, "mumble_messages_total", direction="outbound", status="accepted") == 2
    )
    assert moved(before, after, "mumble_messages_total", direction="outbound", status="sent") == 1
    assert moved(before, after, "mumble_messages_total", direction="outbound", status="read") == 1
    assert moved(before, after, "mumble_messages_total", direction="outbound", status="failed") == 1
    assert moved(before, after, "mumble_meta_errors_total", code="131026") == 1
    send_route = {"method": "POST", "route": "/mumbleapi/send-text-message"}
    assert moved(before, after, "mumble_http_requests_total", **send_route, status="200") == 1
    assert moved(before, after, "mumble_http_request_duration_seconds_count", **send_route) == 2
    assert (
        moved(before, after, "mumble_http_request_duration_seconds_bucket", **send_route, le="+Inf")
        == 2
    )


async def test_an_unsigned_inbound_webhook_is_counted_by_outcome(
    client: httpx.AsyncClient,
) -> None:
    before = await scrape(client)

    response = await client.post("/webhooks/whatsapp", content=b"{}")

    assert response.status_code == 401
    after = await scrape(client)
    assert moved(before, after, "mumble_inbound_webhook_batches_total", outcome="unsigned") == 1


async def test_rate_limit_rejections_are_counted_by_layer(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    _, key = await accounts.create_key(tenant.account.id, rate_limit="1/minute")
    before = await scrape(client)

    statuses = [
        (await client.get("/mumbleapi/get-labels", headers={"Mumble-Api-Key": key})).status_code
        for _ in range(2)
    ]

    after = await scrape(client)
    assert statuses == [200, 429]
    assert moved(before, after, "mumble_rate_limit_rejections_total", layer="key") == 1
    labels = {"method": "GET", "route": "/mumbleapi/get-labels"}
    assert moved(before, after, "mumble_http_requests_total", **labels, status="429") == 1


async def test_routes_are_labelled_by_template_and_unknown_paths_share_one_label(
    client: httpx.AsyncClient,
) -> None:
    before = await scrape(client)

    for path in ["/things/1", "/things/2", "/nope/123", "/mumbleapi/nope-456"]:
        await client.get(path)

    after = await scrape(client)
    labels = {"method": "GET", "route": "/things/{thing_id}", "status": "200"}
    assert moved(before, after, "mumble_http_requests_total", **labels) == 2
    unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
    assert moved(before, after, "mumble_http_requests_total", **unmatched) == 2
    routes = {dict(labels).get("route") for name, labels in after}
    assert not routes & {"/things/1", "/nope/123", "/mumbleapi/nope-456"}


async def test_webhook_deliveries_and_the_outbox_depth_are_exported(
    client: httpx.AsyncClient,
    tenant: Tenant,
    sandbox: SandboxHandle,
    receiver: Receiver,
    settings: Settings,
    clock: FrozenClock,
) -> None:
    await add_webhook(client, tenant.headers, receiver.url, ["message.received"])
    before = await scrape(client)

    await customer_writes(sandbox, tenant, text="one")
    await customer_writes(sandbox, tenant, text="two")
    queued = await scrape(client)
    async with aiohttp.ClientSession() as session:
        worker = DeliveryWorker(session, settings, clock=clock, rng=random.Random(1))
        delivered = await drain(worker)
    after = await scrape(client)

    assert value(before, "mumble_webhook_outbox_depth", status="pending") == 0
    assert value(queued, "mumble_webhook_outbox_depth", status="pending") == 2
    assert value(queued, "mumble_webhook_outbox_depth", status="in_flight") == 0
    assert delivered == 2
    assert len(receiver.received) == 2
    assert moved(before, after, "mumble_webhook_deliveries_total", outcome="delivered") == 2
    assert value(after, "mumble_webhook_outbox_depth", status="pending") == 0


async def test_metrics_and_probes_need_no_api_key(client: httpx.AsyncClient) -> None:
    for path in ["/metrics", "/healthz", "/readyz"]:
        response = await client.get(path)
        assert response.status_code == 200, path
