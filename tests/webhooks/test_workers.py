"""`mumble worker` processes: sharing work on PostgreSQL, one at a time on SQLite, kill -9."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
from tortoise.transactions import in_transaction

from mumble.clock import SystemClock
from mumble.events.outbox import record_event
from mumble.events.worker import single_worker_lock
from mumble.models import Event, WebhookDelivery
from mumble.settings import Settings
from tests.conftest import Tenant
from tests.database import column, is_postgres
from tests.webhooks.conftest import add_webhook
from tests.webhooks.receiver import Receiver

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_SECONDS = 30.0


@contextlib.asynccontextmanager
async def worker_process(
    settings: Settings, log: Path, **env: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`python -m mumble worker` on the test database; killed at the end if still running."""
    environ = {
        **os.environ,
        "MUMBLE_DATABASE_URL": settings.database_url,
        "MUMBLE_ALLOW_PRIVATE_URLS": "1",
        "MUMBLE_WEBHOOK_LEASE_SECONDS": "2",
        **env,
    }
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "mumble",
            "worker",
            cwd=ROOT,
            env=environ,
            stdout=output,
            stderr=output,
        )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def until(condition: Callable[[], bool | Awaitable[bool]], what: str) -> None:
    """Wait (real time, polling) for something another process does."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE_SECONDS
    while not await _value(condition()):
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def _value(result: bool | Awaitable[bool]) -> bool:
    return result if isinstance(result, bool) else await result


async def _all_delivered(count: int) -> bool:
    return await WebhookDelivery.filter(status="delivered").count() == count


def _running(log: Path) -> Callable[[], bool]:
    return lambda: b"webhook worker running" in log.read_bytes()


async def test_killed_worker_mid_delivery_loses_nothing_after_restart(
    client: httpx.AsyncClient,
    tenant: Tenant,
    receiver: Receiver,
    settings: Settings,
    tmp_path: Path,
) -> None:
    await add_webhook(
        client, tenant.headers, receiver.url, ["customer.created", "customer.updated"]
    )
    phone = "972501234567"
    added = await client.post(
        "/mumbleapi/add-new-customer", headers=tenant.headers, json={"customer_phone": phone}
    )
    assert added.status_code == 200
    for name in ("Ann", "Anna"):
        edited = await client.post(
            "/mumbleapi/edit-customer",
            headers=tenant.headers,
            json={"customer_phone": phone, "name": name},
        )
        assert edited.status_code == 200
    events = [str(e.id) for e in await Event.filter(account_id=tenant.account.id).order_by("seq")]
    assert len(events) == 3

    receiver.hang = True
    async with worker_process(settings, tmp_path / "first.log") as first:
        await asyncio.wait_for(receiver.arrived.wait(), DEADLINE_SECONDS)
        first.send_signal(signal.SIGKILL)
        assert await first.wait() == -signal.SIGKILL
    # Killed mid-delivery: the first event is leased to a dead worker, the rest wait behind it.
    statuses = column(
        await WebhookDelivery.all().order_by("event_seq").values_list("status", flat=True)
    )
    assert statuses == ["in_flight", "pending", "pending"]

    receiver.hang = False
    async with worker_process(settings, tmp_path / "second.log"):
        await until(lambda: _all_delivered(3), "redelivery")
    ids = [p["id"] for p in receiver.payloads]
    # At least once: the interrupted event is sent again, then the rest, in order.
    assert ids == [events[0], events[0], events[1], events[2]]
    assert await WebhookDelivery.filter(status="delivered").count() == 3


async def test_workers_on_one_database_deliver_each_event_once(
    client: httpx.AsyncClient,
    tenant: Tenant,
    receiver: Receiver,
    settings: Settings,
    tmp_path: Path,
) -> None:
    await add_webhook(client, tenant.headers, receiver.url, ["customer.updated"])
    if not is_postgres(settings.database_url):
        await _sqlite_allows_one_worker(settings, tmp_path)
        return
    # PostgreSQL: two workers share the queue; row locks with SKIP LOCKED keep them apart.
    receiver.delay = 0.3
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    async with worker_process(settings, logs[0]), worker_process(settings, logs[1]):
        await until(lambda: all(_running(log)() for log in logs), "both workers")
        customers = [uuid.uuid4() for _ in range(50)]
        async with in_transaction():
            for step in range(2):
                for customer in customers:
                    await record_event(
                        tenant.account.id,
                        "customer.updated",
                        {"customer": {"id": str(customer), "step": step}},
                        now=SystemClock().now(),
                        customer_id=customer,
                    )
        await until(lambda: _all_delivered(100), "100 deliveries")
        await asyncio.sleep(0.5)  # a duplicate, if any, would arrive now
    counts = Counter(p["id"] for p in receiver.payloads)
    assert len(counts) == 100
    assert set(counts.values()) == {1}
    assert await WebhookDelivery.filter(status="delivered").count() == 100
    # Per customer, step 0 arrived before step 1 even with two workers.
    order = [
        (p["data"]["customer"]["id"], p["data"]["customer"]["step"]) for p in receiver.payloads
    ]
    for customer in customers:
        assert [step for who, step in order if who == str(customer)] == [0, 1]
    # Both workers took part.
    for log in logs:
        assert log.read_bytes().count(b"-> delivered") > 0


async def _sqlite_allows_one_worker(settings: Settings, tmp_path: Path) -> None:
    """SQLite has no row locks: a second worker on the same database is refused."""
    with single_worker_lock(settings.database_url) as first:
        assert first is True
        with single_worker_lock(settings.database_url) as second:
            assert second is False
        log = tmp_path / "refused.log"
        async with worker_process(settings, log) as refused:
            assert await asyncio.wait_for(refused.wait(), DEADLINE_SECONDS) == 1
        assert b"error: another webhook worker is running on this SQLite database" in (
            log.read_bytes()
        )
    # Once the first one is gone, a worker may start.
    with single_worker_lock(settings.database_url) as again:
        assert again is True
