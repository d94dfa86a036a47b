"""AI bot fixtures: the stand-in server (`standin`), a client session, a recording sleep."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio

from tests.bots.ai.standin import standin
from tests.bots.ai.support import Sleeps
from tests.clock import FrozenClock

__all__ = ["standin"]


@pytest.fixture
def clock() -> FrozenClock:
    # Real "now": the stand-in checks webhook signature timestamps against its own clock.
    return FrozenClock(dt.datetime.now(dt.UTC).replace(microsecond=0))


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()
