"""Webhook test fixtures: no background worker (tests drive one), a receiver, helpers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import httpx
import pytest
import pytest_asyncio

from mumble.events.worker import DeliveryWorker
from mumble.settings import Settings
from tests.api import ok, post
from tests.clock import FrozenClock
from tests.webhooks.receiver import Receiver


@pytest.fixture
def clock() -> FrozenClock:
    # Real "now", so signatures also pass a receiver that checks the timestamp against its clock.
    return FrozenClock(dt.datetime.now(dt.UTC).replace(microsecond=0))


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Tests run the worker themselves, with the clock they move.
    return dataclasses.replace(settings, run_worker=False, webhook_timeout_seconds=1)


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with Receiver().running() as running:
        yield running


@pytest_asyncio.fixture
async def worker(
    server: str, settings: Settings, clock: FrozenClock
) -> AsyncIterator[DeliveryWorker]:
    async with aiohttp.ClientSession() as session:
        yield DeliveryWorker(session, settings, clock=clock, rng=random.Random(7))


async def drain(worker: DeliveryWorker, *, passes: int = 50) -> int:
    """Run worker passes until nothing is due; returns how many deliveries were attempted."""
    total = 0
    for _ in range(passes):
        done = await worker.run_once()
        if not done:
            return total
        total += done
    raise AssertionError("the worker still had work after many passes")


async def add_webhook(
    client: httpx.AsyncClient, headers: dict[str, str], url: str, events: list[str], **extra: Any
) -> dict[str, Any]:
    """Register a webhook through the API; returns the add-webhook body."""
    return ok(await post(client, headers, "add-webhook", url=url, events=events, **extra))
