"""A real HTTP receiver on loopback that records what it is sent and answers as told."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.live import serve

HANG_CAP_SECONDS = 5.0


@dataclasses.dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> dict[str, Any]:
        value = orjson.loads(self.body)
        assert isinstance(value, dict)
        return value


class Receiver:
    """Answers `status` (200 by default); with `hang` set it never answers (until released)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.status = 200
        self.hang = False
        self.delay = 0.0
        self.arrived = asyncio.Event()
        self._release = asyncio.Event()
        self.url = ""

    async def _hook(self, request: Request) -> Response:
        self.received.append(Received(dict(request.headers), await request.body()))
        self.arrived.set()
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.hang:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._release.wait(), HANG_CAP_SECONDS)
        return Response(b"ok", status_code=self.status)

    @property
    def payloads(self) -> list[dict[str, Any]]:
        return [item.payload for item in self.received]

    @property
    def types(self) -> list[str]:
        return [item["type"] for item in self.payloads]

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/hook", self._hook, methods=["POST"])])

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Receiver]:
        async with serve(self.app()) as base:
            self.url = base + "/hook"
            try:
                yield self
            finally:
                self._release.set()
