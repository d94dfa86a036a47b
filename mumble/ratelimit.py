"""The layered rate limiter (per IP, per key, messaging) over the `limits` library.

Each limit is a fixed window aligned to the clock: the window of `600/minute` at time t is
`floor(t / 60)`, counted in the `limits` storage (memory, or Redis shared by every process) under
a key that names the window. Windows come from our injectable clock rather than the storage's own
time, so the same code runs on memory and Redis and tests drive windows without sleeping.
Counting is one atomic `incr` per window (on Redis, one atomic script per layer: a single round
trip); a refused request gives its increments back, so exactly `amount` requests are admitted
per window whatever the number of processes.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, cast

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.errors import StorageError
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from mumble.clock import Clock
from mumble.errors import ServiceUnavailable, TooManyRequests
from mumble.observability import metrics
from mumble.settings import Settings

UNLIMITED = "unlimited"
LAYER_NAMES = {"ip": "per-IP", "key": "per-key", "messaging": "messaging"}
# Redis must answer fast or not at all: a hung limiter would hang every request.
_REDIS_OPTIONS = {
    "socket_connect_timeout": 0.5,
    "socket_timeout": 1.0,
    # One immediate retry reconnects a stale pooled connection; no backoff sleeps.
    "retry": Retry(NoBackoff(), 1),
}
# Window keys outlive their window a little, so a slow request still finds its counter.
_TTL_SLACK_SECONDS = 60
# One layer in one round trip: KEYS are its windows in order, ARGV is (ttl, limit) per window.
# Charges each window like limits' incr_expire (expiry set on the first increment) and stops at
# the first full one, giving back every increment made here. Returns the counts charged.
_LAYER_SCRIPT = """
local counts = {}
for i, key in ipairs(KEYS) do
    local current = redis.call("incrby", key, 1)
    if current == 1 then
        redis.call("expire", key, ARGV[2 * i - 1])
    end
    counts[i] = current
    if current > tonumber(ARGV[2 * i]) then
        for j = 1, i do
            if redis.call("incrby", KEYS[j], -1) == -1 then
                redis.call("expire", KEYS[j], ARGV[2 * j - 1])
            end
        end
        return counts
    end
end
return counts
"""


@dataclass(frozen=True)
class Quota:
    """Where a caller stands in one window: the tightest one is sent as X-RateLimit-*."""

    limit: int
    remaining: int
    reset_at: float

    def headers(self) -> dict[str, str]:
        """X-RateLimit-Limit/Remaining, and Reset as epoch seconds."""
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(0, self.remaining)),
            "X-RateLimit-Reset": str(math.ceil(self.reset_at)),
        }


def tightest(*quotas: Quota | None) -> Quota | None:
    """The quota with the fewest requests left; on a tie the one that binds longest."""
    present = [q for q in quotas if q is not None]
    return min(present, key=lambda q: (q.remaining, -q.reset_at)) if present else None


@functools.lru_cache(maxsize=1024)
def _parse(notation: str) -> tuple[RateLimitItem, ...] | None:
    if notation.strip().lower() == UNLIMITED:
        return None
    items = parse_many(notation)
    if not items or any(item.amount < 1 for item in items):
        raise ValueError(f"not a rate limit: {notation!r}")
    # Shortest window first: the usual one to trip, and a stable order for messages.
    return tuple(sorted(items, key=lambda item: item.get_expiry()))


def parse_limits(notation: str) -> list[RateLimitItem] | None:
    """`limits` notation (`5/second;100/minute`) or `unlimited` (None); ValueError otherwise."""
    parsed = _parse(notation)
    return None if parsed is None else list(parsed)


def build_storage(url: str, key_prefix: str = "mumble") -> Storage:
    """memory:// (per process) or redis://… (shared across processes) storage."""
    if url.startswith(("memory://", "async+memory://")):
        return MemoryStorage()
    if url.startswith(("redis://", "rediss://", "async+redis://", "async+rediss://")):
        return RedisStorage(
            url if url.startswith("async+") else "async+" + url,
            implementation="redispy",
            wrap_exceptions=True,
            key_prefix=key_prefix,
            # Passed through to redis.asyncio.Redis (limits types them as scalars only).
            **cast(dict[str, Any], _REDIS_OPTIONS),
        )
    raise ValueError(f"unsupported rate limit storage: {url!r} (memory:// or redis://)")


class RateLimiter:
    """Checks one layer at a time; whichever layer trips first answers 429."""

    def __init__(self, settings: Settings, clock: Clock, storage: Storage | None = None) -> None:
        self.storage = storage or build_storage(
            settings.rate_limit_storage, settings.rate_limit_key_prefix
        )
        self._clock = clock
        self._fail_open = settings.rate_limit_fail_open
        self.per_ip = parse_limits(settings.rate_limit_per_ip)
        self.per_key = parse_limits(settings.rate_limit_per_key)
        self.messaging = parse_limits(settings.rate_limit_messaging)
        self._layer_script: Any = None
        if isinstance(self.storage, RedisStorage):
            # Only the redis-py bridge is built (implementation="redispy" in build_storage).
            bridge: Any = self.storage.bridge
            self._layer_script = bridge.get_connection().register_script(_LAYER_SCRIPT)

    async def hit(
        self, layer: str, identity: str, items: list[RateLimitItem] | None
    ) -> Quota | None:
        """Count one request in every window of a layer; 429 for the first full one.

        Storage failure: 503, or no limit at all when fail-open is configured.
        """
        if not items:
            return None
        try:
            return await self._hit(layer, identity, items, self._clock.now().timestamp())
        except StorageError:
            if self._fail_open:
                return None
            raise ServiceUnavailable("Rate limit storage is unavailable") from None

    async def _hit(
        self, layer: str, identity: str, items: list[RateLimitItem], now: float
    ) -> Quota | None:
        windows = []
        for item in items:
            expiry = item.get_expiry()
            window = math.floor(now / expiry)
            key = item.key_for(layer, identity, str(window))
            windows.append((item, key, expiry + _TTL_SLACK_SECONDS, float((window + 1) * expiry)))
        counts = await self._count(windows)
        quotas: list[Quota] = []
        for (item, _, _, reset_at), count in zip(windows, counts, strict=False):
            if count > item.amount:
                quota = Quota(item.amount, 0, reset_at)
                retry_after = max(1, math.ceil(reset_at - now))
                metrics.count_rate_limited(layer)
                raise TooManyRequests(
                    f"Rate limit exceeded: {LAYER_NAMES.get(layer, layer)} limit of {item} "
                    f"reached, retry in {retry_after} second{'' if retry_after == 1 else 's'}",
                    headers=quota.headers() | {"Retry-After": str(retry_after)},
                )
            quotas.append(Quota(item.amount, item.amount - count, reset_at))
        return tightest(*quotas)

    async def _count(self, windows: list[tuple[RateLimitItem, str, int, float]]) -> list[int]:
        """Counts after charging the windows in order, up to and including the first full one.

        A full window gives every increment of this call back: a refused request uses up no
        window of the layer, and concurrent callers in other processes see the true count.
        On Redis the whole layer is one atomic script (one round trip, whatever the windows).
        """
        if self._layer_script is not None:
            storage = cast(RedisStorage, self.storage)
            keys = [storage.bridge.prefixed_key(key) for _, key, _, _ in windows]
            args = [value for item, _, ttl, _ in windows for value in (ttl, item.amount)]
            try:
                return [int(count) for count in await self._layer_script(keys, args)]
            except storage.base_exceptions as exc:
                raise StorageError(exc) from exc
        counts: list[int] = []
        for index, (item, key, ttl, _) in enumerate(windows):
            count = await self.storage.incr(key, ttl)
            counts.append(count)
            if count > item.amount:
                for _, charged_key, charged_ttl, _ in windows[: index + 1]:
                    await self.storage.incr(charged_key, charged_ttl, amount=-1)
                break
        return counts

    async def close(self) -> None:
        """Release loop-bound resources: Redis connections, the memory expiry task."""
        timer = getattr(self.storage, "timer", None)
        if timer is not None and not timer.done():
            timer.cancel()
        client = getattr(getattr(self.storage, "bridge", None), "storage", None)
        if client is not None and hasattr(client, "aclose"):
            await client.aclose()
