"""The integrator's event receiver: verifies the Standard Webhooks signature, fails a third of
the events once, and processes each webhook-id once (dedupe by id, as docs/webhooks.md asks)."""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import AsyncIterator
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mumble.events import signing
from tests.live import serve

# A third of the events get a 500 on their first attempt. Only the first: Mumble's second retry
# waits 5 minutes (Standard Webhooks' schedule), past the soak's bound; the first retry (5 s)
# is what a failure exercises (the delivery, the lease, the per-customer order behind it).
FAIL_SHARE = 1 / 3


class SoakReceiver:
    """Records every request; `processed` maps webhook-id to the payload it processed once."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.secret = ""
        self.url = ""
        self.requests = 0
        self.failed: set[str] = set()
        self.bad_signatures = 0
        self.redelivered = 0  # requests for an id already processed (answered 200, dropped)
        self.processed: dict[str, dict[str, Any]] = {}

    async def _hook(self, request: Request) -> Response:
        body = await request.body()
        self.requests += 1
        headers = request.headers
        msg_id = headers.get("webhook-id", "")
        if not self.secret or not signing.verify(
            self.secret,
            msg_id,
            headers.get("webhook-timestamp", ""),
            headers.get("webhook-signature", ""),
            body,
            now=time.time(),
        ):
            self.bad_signatures += 1
            return Response(b"bad signature", status_code=401)
        if msg_id in self.processed:
            self.redelivered += 1
            return Response(b"ok")
        if msg_id not in self.failed and self.rng.random() < FAIL_SHARE:
            self.failed.add(msg_id)
            return Response(b"try again", status_code=500)
        self.processed[msg_id] = orjson.loads(body)
        return Response(b"ok")

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[SoakReceiver]:
        app = Starlette(routes=[Route("/hook", self._hook, methods=["POST"])])
        async with serve(app) as base:
            self.url = base + "/hook"
            yield self
