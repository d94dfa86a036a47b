"""Where the limiter counts: one atomic pass over every window of a request, in memory or Redis.

A request's windows (every layer's, in the guard's order) are charged in one pass: on Redis one
Lua script, one round trip whatever the layers. The pass stops at the first full window; the
windows of that window's layer charged in this pass are given back (a refused request uses up
no window of the layer that refused it), and later layers are not charged at all.

Large windows (`amount >= block_from`) are not charged one request at a time: a process
reserves a block of quota (`block_size`) in the same script and hands it out locally, so most
requests on a large limit make no round trip. The Redis counter holds what was admitted plus
what was reserved, never more than the limit, so a large limit is never exceeded across
processes; it may admit fewer than the limit, by at most the unused part of each process's
block when the window ends (`block_size - 1` per process and window). Small windows stay
exact: every request is counted in Redis, so `10/minute` admits exactly 10 across processes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from limits import RateLimitItem
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

# Window keys outlive their window a little, so a slow request still finds its counter.
TTL_SLACK_SECONDS = 60
# A block is 1% of a large window, at most this many requests.
MAX_BLOCK = 1000

# KEYS: the windows to charge, in order. ARGV, 4 per window: ttl, limit, charge, layer. A charge
# of 1 counts one request (full beyond the limit); a larger charge reserves a block (full when
# nothing is left), trimmed so the counter never passes the limit. Returns the count after the
# pass and the units granted per window, then the 1-based index of the full window (0: none).
_SCRIPT = """
local counts, granted = {}, {}
local first = 1
local full = 0
for i, key in ipairs(KEYS) do
    local b = 4 * (i - 1)
    local ttl, limit, charge = tonumber(ARGV[b + 1]), tonumber(ARGV[b + 2]), tonumber(ARGV[b + 3])
    if i > 1 and ARGV[b + 4] ~= ARGV[b] then
        first = i
    end
    local current = redis.call("incrby", key, charge)
    if current == charge then
        redis.call("expire", key, ttl)
    end
    local given = charge
    if charge > 1 and current > limit then
        given = math.max(0, limit - (current - charge))
        current = redis.call("incrby", key, given - charge)
    end
    counts[i], granted[i] = current, given
    if (charge == 1 and current > limit) or given == 0 then
        for j = first, i do
            if tonumber(ARGV[4 * (j - 1) + 3]) == 1 then
                counts[j] = redis.call("incrby", KEYS[j], -1)
                granted[j] = 0
            end
        end
        full = i
        break
    end
end
local out = {}
for i = 1, #counts do
    out[2 * i - 1], out[2 * i] = counts[i], granted[i]
end
out[#out + 1] = full
return out
"""


@dataclass(frozen=True, slots=True)
class Window:
    """One fixed window of one layer's limit at the request's time."""

    layer: str
    item: RateLimitItem
    key: str
    ttl: int
    reset_at: float

    @property
    def amount(self) -> int:
        return int(self.item.amount)


def window_of(prefix: str, layer: str, identity: str, item: RateLimitItem, now: float) -> Window:
    """The window of `item` containing `now`, aligned to the clock."""
    expiry = item.get_expiry()
    number = math.floor(now / expiry)
    size = f"{item.amount}/{item.multiples}{item.GRANULARITY.name}"
    key = f"{prefix}:{layer}:{identity}:{size}:{number}"
    return Window(layer, item, key, expiry + TTL_SLACK_SECONDS, float((number + 1) * expiry))


@dataclass(frozen=True, slots=True)
class Pass:
    """What one pass charged: per window its count after the pass and the units granted
    (1 for a request counted, the block size for a reservation, 0 where nothing was charged),
    and the index of the full window, or None."""

    counts: tuple[int, ...]
    granted: tuple[int, ...]
    full: int | None


def block_size(amount: int, block_from: int) -> int:
    """1 (exact counting) below `block_from`, else 1% of the window, 2 to MAX_BLOCK."""
    if amount < block_from:
        return 1
    return max(2, min(MAX_BLOCK, amount // 100))


class MemoryCounters:
    """Counts in this process only (`memory://`): the same pass as the script, in Python."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, float]] = {}
        self._passes = 0

    async def check(self) -> bool:
        return True

    async def charge(self, windows: list[Window], charges: list[int], now: float) -> Pass:
        self._prune(now)
        counts: list[int] = []
        granted: list[int] = []
        first = 0
        for i, (window, charge) in enumerate(zip(windows, charges, strict=True)):
            if i and window.layer != windows[i - 1].layer:
                first = i
            current = self._counts.get(window.key, (0, 0.0))[0] + charge
            given = charge
            if charge > 1 and current > window.amount:
                given = max(0, window.amount - (current - charge))
                current += given - charge
            self._counts[window.key] = (current, window.reset_at)
            counts.append(current)
            granted.append(given)
            if (charge == 1 and current > window.amount) or given == 0:
                for j in range(first, i + 1):
                    if charges[j] == 1:
                        count, reset_at = self._counts[windows[j].key]
                        self._counts[windows[j].key] = (count - 1, reset_at)
                        counts[j], granted[j] = count - 1, 0
                return Pass(tuple(counts), tuple(granted), i)
        return Pass(tuple(counts), tuple(granted), None)

    def _prune(self, now: float) -> None:
        """Drop windows that ended more than the slack ago (every thousand passes)."""
        self._passes += 1
        if self._passes % 1000:
            return
        horizon = now - TTL_SLACK_SECONDS
        for key in [k for k, (_, reset_at) in self._counts.items() if reset_at < horizon]:
            del self._counts[key]

    async def close(self) -> None:
        self._counts.clear()


def bounded_client(url: str, timeout: float) -> aioredis.Redis:
    """A Redis client whose every call is bounded by `timeout`: a connection found dead is
    retried once at once (a stale pooled connection), a timeout never is (a frozen Redis would
    cost it twice). The limiter's counters and the pacer's gates use it."""
    return aioredis.Redis.from_url(
        url.removeprefix("async+"),
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
        retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
        health_check_interval=0,
    )


class RedisCounters:
    """Counts in Redis, shared by every process: one EVALSHA per pass, bounded in time.

    `timeout` bounds connecting and every answer; a connection found dead is retried once at
    once (a stale pooled connection), a timeout never is (a frozen Redis would cost it twice).
    """

    def __init__(self, url: str, timeout: float) -> None:
        self.client = bounded_client(url, timeout)
        self._script: Any = self.client.register_script(_SCRIPT)

    async def check(self) -> bool:
        return bool(await self.client.ping())

    async def charge(self, windows: list[Window], charges: list[int], now: float) -> Pass:
        args: list[Any] = []
        for window, charge in zip(windows, charges, strict=True):
            args += (window.ttl, window.amount, charge, window.layer)
        out = [int(value) for value in await self._script([w.key for w in windows], args)]
        full = out[-1]
        return Pass(tuple(out[0:-1:2]), tuple(out[1:-1:2]), full - 1 if full else None)

    async def close(self) -> None:
        await self.client.aclose()


Counters = MemoryCounters | RedisCounters


def build_counters(url: str, timeout: float) -> Counters:
    """memory:// (per process) or redis://… (shared across processes)."""
    if url.startswith(("memory://", "async+memory://")):
        return MemoryCounters()
    if url.startswith(("redis://", "rediss://", "async+redis://", "async+rediss://")):
        return RedisCounters(url, timeout)
    raise ValueError(f"unsupported rate limit storage: {url!r} (memory:// or redis://)")
