"""A webhook receiver the sandbox posts to, standing in for Mumble's /webhooks/whatsapp."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest_asyncio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mumble.sandbox.state import ChannelInfo
from tests.conftest import SandboxHandle
from tests.live import serve

PHONE_NUMBER_ID = "106540352242922"
WABA_ID = "102290129340398"
DISPLAY = "15550783881"


@dataclass
class Received:
    """What the receiver got: raw bodies with their signature headers, in arrival order."""

    raw: list[tuple[bytes, str | None]] = field(default_factory=list)

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [orjson.loads(body) for body, _ in self.raw]

    def statuses(self) -> list[str]:
        return [
            s["status"]
            for body in self.bodies
            for e in body["entry"]
            for c in e["changes"]
            for s in c["value"].get("statuses", [])
        ]


@pytest_asyncio.fixture
async def received(sandbox: SandboxHandle) -> AsyncIterator[Received]:
    """Point the sandbox's webhooks at a recording receiver; register one channel."""
    got = Received()

    async def hook(request: Request) -> Response:
        got.raw.append((await request.body(), request.headers.get("x-hub-signature-256")))
        return Response("OK")

    sandbox.sandbox.state.channels[PHONE_NUMBER_ID] = ChannelInfo(PHONE_NUMBER_ID, WABA_ID, DISPLAY)
    async with serve(Starlette(routes=[Route("/hook", hook, methods=["POST"])])) as url:
        sandbox.sandbox.sender.url = url + "/hook"
        yield got
