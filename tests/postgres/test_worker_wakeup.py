"""A separate `mumble worker` hears of queued deliveries through NOTIFY, not at its next poll."""

from __future__ import annotations

import asyncio
import dataclasses
import signal

import httpx
import pytest

from mumble.settings import Settings
from tests.conftest import Tenant
from tests.observability.test_worker_and_sandbox import _mumble
from tests.webhooks.conftest import add_webhook
from tests.webhooks.receiver import Receiver


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, run_worker=False)


async def test_a_delivery_queued_by_the_api_wakes_the_worker_process(
    client: httpx.AsyncClient, tenant: Tenant, settings: Settings
) -> None:
    async with Receiver().running() as receiver:
        await add_webhook(client, tenant.headers, receiver.url, ["customer.created"])
        proc = await _mumble(
            "worker",
            env={
                "MUMBLE_DATABASE_URL": settings.database_url,
                "MUMBLE_ALLOW_PRIVATE_URLS": "true",
                # Were it polling, the delivery would wait up to a minute.
                "MUMBLE_WEBHOOK_POLL_SECONDS": "60",
            },
        )
        try:
            assert proc.stdout is not None
            line = await asyncio.wait_for(proc.stdout.readline(), 30)
            assert line == b"webhook worker running\n"
            # Its first pass found nothing; it now waits for a notice.
            await asyncio.sleep(1)
            started = asyncio.get_running_loop().time()
            added = await client.post(
                "/mumbleapi/add-new-customer",
                headers=tenant.headers,
                json={"customer_phone": "972501234567"},
            )
            assert added.status_code == 200
            await asyncio.wait_for(receiver.arrived.wait(), 10)
            assert asyncio.get_running_loop().time() - started < 10
            assert [payload["type"] for payload in receiver.payloads] == ["customer.created"]
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), 30)
            finally:
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()
