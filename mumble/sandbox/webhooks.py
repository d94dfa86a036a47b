"""Signed webhook delivery from the sandbox to the configured URL, with injectable faults."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import aiohttp
import orjson

from mumble.sandbox.state import State
from mumble.whatsapp.signature import HEADER, sign

log = logging.getLogger("mumble.sandbox")

_TIMEOUT = aiohttp.ClientTimeout(total=10, connect=3)


class WebhookSender:
    """Posts Meta-style envelopes, signed with the app secret, and logs each delivery."""

    def __init__(self, state: State, *, url: str, app_secret: str) -> None:
        self.state = state
        self.url = url
        self.app_secret = app_secret
        self.session: aiohttp.ClientSession | None = None
        self._pending: set[asyncio.Task[Any]] = set()

    async def open(self) -> None:
        self.session = aiohttp.ClientSession(timeout=_TIMEOUT)

    async def close(self) -> None:
        for task in list(self._pending):  # pending reviews may sleep for a while: stop them
            task.cancel()
        await asyncio.gather(*self._pending, return_exceptions=True)
        if self.session is not None:
            await self.session.close()
            self.session = None

    def spawn(self, coro: Any) -> None:
        """Run a delivery in the background (as Meta does after answering a call)."""
        task = asyncio.get_running_loop().create_task(coro)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def flush(self) -> None:
        """Wait for every background delivery (tests call this before asserting)."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    async def deliver_all(
        self, envelopes: Sequence[dict[str, Any]], *, gap: float = 0.0
    ) -> list[int | None]:
        """Deliver a sequence `gap` seconds apart, applying drop / duplicate / reorder faults."""
        batch = list(envelopes)
        fault = self.state.take_fault("webhooks") if batch else None
        if fault is not None and fault.webhook == "reorder":
            batch.reverse()
        results: list[int | None] = []
        for i, envelope in enumerate(batch):
            if gap and i:
                await asyncio.sleep(gap)
            if fault is not None and fault.webhook == "drop" and i == 0:
                self._log(envelope, None, "dropped")
                results.append(None)
                continue
            results.append(await self.post(envelope))
            if fault is not None and fault.webhook == "duplicate" and i == 0:
                results.append(await self.post(envelope))
        return results

    async def post(self, envelope: dict[str, Any]) -> int | None:
        """One signed POST; returns the receiver's status code, or None when unreachable."""
        body = orjson.dumps(envelope)
        if not self.url or self.session is None:
            self._log(envelope, None, "no webhook url")
            return None
        headers = {"Content-Type": "application/json"}
        if self.app_secret:
            headers[HEADER] = sign(body, self.app_secret)
        try:
            async with self.session.post(self.url, data=body, headers=headers) as resp:
                await resp.read()
                status = resp.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("sandbox webhook to %s failed: %s", self.url, type(exc).__name__)
            self._log(envelope, None, type(exc).__name__)
            return None
        self._log(envelope, status, "delivered")
        return status

    def _log(self, envelope: dict[str, Any], status: int | None, outcome: str) -> None:
        self.state.webhooks.append({"body": envelope, "status": status, "outcome": outcome})
