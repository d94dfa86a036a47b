"""Fixtures for adapter tests: a GraphClient on its own session against the test sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio

from mumble.settings import GRAPH_VERSION
from mumble.whatsapp.client import Channel, GraphClient
from tests.conftest import SandboxHandle

VERSION = GRAPH_VERSION


class RecordingSleep:
    """An injected sleep that records the delays instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def sleeps() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def channel(sandbox: SandboxHandle) -> Channel:
    from mumble.sandbox.state import ChannelInfo

    sandbox.sandbox.state.channels["106540352242922"] = ChannelInfo(
        "106540352242922", "102290129340398", "15550783881"
    )
    return Channel("106540352242922", "102290129340398", "EAAsecret-token-123")


@pytest_asyncio.fixture
async def graph(sandbox: SandboxHandle, sleeps: RecordingSleep) -> AsyncIterator[GraphClient]:
    async with aiohttp.ClientSession() as session:
        yield GraphClient(session, sandbox.url, VERSION, sleep=sleeps, jitter=lambda: 1.0)
