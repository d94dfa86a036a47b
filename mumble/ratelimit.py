"""The layered rate limiter (per IP, per key, messaging) over the `limits` library."""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string

from mumble.errors import ServiceUnavailable, TooManyRequests
from mumble.settings import Settings


@dataclass(frozen=True)
class Quota:
    """Where a caller stands in the tightest limit that applied."""

    limit: int
    remaining: int
    reset_at: float

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(0, self.remaining)),
            "X-RateLimit-Reset": str(math.ceil(self.reset_at)),
        }


def tightest(*quotas: Quota | None) -> Quota | None:
    """The quota with the fewest requests left."""
    present = [q for q in quotas if q is not None]
    return min(present, key=lambda q: (q.remaining, q.reset_at)) if present else None


@functools.lru_cache(maxsize=1024)
def parse_limits(notation: str) -> list[RateLimitItem] | None:
    """`limits` notation (`5/second;100/minute`) or `unlimited` (None)."""
    if notation.strip().lower() == "unlimited":
        return None
    return parse_many(notation)


def build_storage(url: str) -> Storage:
    """memory:// (per process) or redis://… (shared across processes) storage."""
    if url.startswith("memory"):
        return MemoryStorage()
    if url.startswith(("redis://", "rediss://")):
        return storage_from_string("async+" + url, implementation="redispy", wrap_exceptions=True)
    return storage_from_string(url, wrap_exceptions=True)


class RateLimiter:
    """Checks one layer at a time; whichever layer trips first answers 429."""

    def __init__(self, settings: Settings, storage: Storage | None = None) -> None:
        self.storage = storage or build_storage(settings.rate_limit_storage)
        self._strategy = MovingWindowRateLimiter(self.storage)
        self._fail_open = settings.rate_limit_fail_open
        self.per_ip = parse_limits(settings.rate_limit_per_ip)
        self.per_key = parse_limits(settings.rate_limit_per_key)
        self.messaging = parse_limits(settings.rate_limit_messaging)

    def parse_override(self, notation: str) -> list[RateLimitItem] | None:
        """A key's own limit in place of the default (`unlimited` lifts it)."""
        return parse_limits(notation)

    async def hit(
        self, layer: str, identity: str, items: list[RateLimitItem] | None
    ) -> Quota | None:
        """Count one request in every window of a layer, or raise 429 for the first full one."""
        if not items:
            return None
        try:
            for item in items:
                # Stop at the first full window so longer windows are not charged for a refusal.
                if not await self._strategy.hit(item, layer, identity):
                    stats = await self._strategy.get_window_stats(item, layer, identity)
                    quota = Quota(item.amount, 0, stats.reset_time)
                    retry_after = max(1, math.ceil(stats.reset_time - time.time()))
                    raise TooManyRequests(
                        f"Rate limit exceeded: {layer} limit of {item}",
                        headers=quota.headers() | {"Retry-After": str(retry_after)},
                    )
            quotas = []
            for item in items:
                stats = await self._strategy.get_window_stats(item, layer, identity)
                quotas.append(Quota(item.amount, stats.remaining, stats.reset_time))
        except StorageError:
            if self._fail_open:
                return None
            raise ServiceUnavailable("Rate limit storage is unavailable") from None
        return tightest(*quotas)

    async def close(self) -> None:
        """Release loop-bound resources: Redis connections, the memory expiry task."""
        timer = getattr(self.storage, "timer", None)
        if timer is not None and not timer.done():
            timer.cancel()
        client = getattr(getattr(self.storage, "bridge", None), "storage", None)
        if client is not None and hasattr(client, "aclose"):
            await client.aclose()
