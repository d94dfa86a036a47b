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
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, run_worker=True)


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
