"""Readiness checks: the database, the rate-limit storage and the Graph API, each bounded in time.

A check answers `Check(ok, latency_ms, error)`; `error` is a short fixed phrase or an exception
class name, never an exception message (those can carry hosts, URLs or credentials).
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from tortoise import connections

from mumble.ratecount import Counters as Storage

# A probe runs every few seconds: a dependency slower than this counts as down.
CHECK_TIMEOUT_SECONDS = 2.0
_GRAPH_TIMEOUT = aiohttp.ClientTimeout(total=CHECK_TIMEOUT_SECONDS, connect=1.0)


@dataclasses.dataclass(frozen=True)
class Check:
    """The result of one readiness check."""

    ok: bool
    latency_ms: float
    error: str | None = None

    def view(self) -> dict[str, Any]:
        """The check as JSON: ok, latency_ms, and error when it failed."""
        body: dict[str, Any] = {"ok": self.ok, "latency_ms": self.latency_ms}
        if self.error:
            body["error"] = self.error
        return body


async def _timed(probe: Callable[[], Awaitable[str | None]]) -> Check:
    """Run `probe` (None when healthy, else a reason) under the timeout; never raises."""
    started = time.perf_counter()
    try:
        reason = await asyncio.wait_for(probe(), timeout=CHECK_TIMEOUT_SECONDS)
    except TimeoutError:
        reason = f"timed out after {CHECK_TIMEOUT_SECONDS:g}s"
    except Exception as exc:
        reason = type(exc).__name__
    latency = round((time.perf_counter() - started) * 1000, 2)
    return Check(reason is None, latency, reason)


async def check_database() -> Check:
    """`SELECT 1` on the default connection."""

    async def probe() -> str | None:
        await connections.get("default").execute_query("SELECT 1")
        return None

    return await _timed(probe)


async def check_rate_limit_storage(storage: Storage) -> Check:
    """The limiter's storage answers its own health check (PING on Redis)."""

    async def probe() -> str | None:
        return None if await storage.check() else "storage check failed"

    return await _timed(probe)


async def check_graph(session: aiohttp.ClientSession, base_url: str) -> Check:
    """One GET to the Graph base URL: any HTTP answer means it is reachable (no token sent)."""

    async def probe() -> str | None:
        # Leaving the block releases the connection; the status itself does not matter.
        async with session.get(base_url, timeout=_GRAPH_TIMEOUT, allow_redirects=False):
            return None

    return await _timed(probe)


async def readiness(
    storage: Storage, session: aiohttp.ClientSession, graph_url: str
) -> dict[str, Check]:
    """Run every check concurrently; name -> result."""
    database, limits, graph = await asyncio.gather(
        check_database(),
        check_rate_limit_storage(storage),
        check_graph(session, graph_url),
    )
    return {"database": database, "rate_limit_storage": limits, "graph_api": graph}
