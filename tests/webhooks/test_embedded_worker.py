"""`mumble serve` delivers webhooks itself: the worker runs in the app's lifespan by default."""

from __future__ import annotations

import asyncio
import dataclasses

import httpx
import pytest

from mumble.events.worker import single_worker_lock
from mumble.models import WebhookDelivery
from mumble.settings import Settings
from tests.conftest import Tenant
from tests.database import is_postgres
from tests.webhooks.conftest import add_webhook
from tests.webhooks.receiver import Receiver


@pytest.fixture
def poll() -> int:
    return Settings().webhook_poll_seconds


@pytest.fixture
def settings(settings: Settings, poll: int) -> Settings:
    return dataclasses.replace(settings, run_worker=True, webhook_poll_seconds=poll)


async def test_the_served_app_delivers_events_in_the_background(
    client: httpx.AsyncClient, tenant: Tenant, receiver: Receiver, settings: Settings
) -> None:
    assert Settings().run_worker is True  # the default
    await add_webhook(client, tenant.headers, receiver.url, ["customer.created"])
    added = await client.post(
        "/mumbleapi/add-new-customer",
        headers=tenant.headers,
        json={"customer_phone": "972501234567"},
    )
    assert added.status_code == 200
    await asyncio.wait_for(receiver.arrived.wait(), 10)
    assert receiver.types == ["customer.created"]
    for _ in range(200):
        if await WebhookDelivery.filter(status="delivered").count() == 1:
            break
        await asyncio.sleep(0.02)
    assert await WebhookDelivery.filter(status="delivered").count() == 1
    if not is_postgres(settings.database_url):
        # On SQLite the app's worker is the one worker of its database.
        with single_worker_lock(settings.database_url) as mine:
            assert mine is False


def test_run_worker_can_be_turned_off_from_the_environment() -> None:
    assert Settings.from_env({"MUMBLE_RUN_WORKER": "0"}).run_worker is False
    assert Settings.from_env({"MUMBLE_RUN_WORKER": "1"}).run_worker is True
    assert Settings.from_env({"MUMBLE_WEBHOOK_LEASE_SECONDS": "5"}).webhook_lease_seconds == 5


@pytest.mark.parametrize("poll", [60])
async def test_a_queued_delivery_wakes_the_worker_instead_of_waiting_for_its_poll(
    client: httpx.AsyncClient, tenant: Tenant, receiver: Receiver
) -> None:
    await add_webhook(client, tenant.headers, receiver.url, ["customer.created"])
    # Let the worker finish its first (empty) pass and settle into its 60 s wait.
    await asyncio.sleep(0.3)
    started = asyncio.get_running_loop().time()
    added = await client.post(
        "/mumbleapi/add-new-customer",
        headers=tenant.headers,
        json={"customer_phone": "972501234568"},
    )
    assert added.status_code == 200
    await asyncio.wait_for(receiver.arrived.wait(), 5)
    assert asyncio.get_running_loop().time() - started < 5
    assert receiver.types == ["customer.created"]
