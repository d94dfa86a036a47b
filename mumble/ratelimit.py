"""The layered rate limiter (per IP, per key, messaging): every layer of a request in one pass.

Each limit is a fixed window aligned to the clock: the window of `600/minute` at time t is
`floor(t / 60)`. Windows come from our injectable clock rather than the storage's own time, so
the same code runs on memory and Redis and tests drive windows without sleeping. A request's
layers are charged together (`mumble.ratecount`: one Lua script on Redis, one round trip), in
the guard's order; the first full window answers 429 naming its layer, its own layer's charges
are given back, and later layers are not charged. Large windows reserve their quota in blocks
held by the process (`MUMBLE_RATE_LIMIT_BLOCK_FROM`): such a limit is never exceeded across
processes and may admit up to one block per process less than its amount; small ones are exact.

Redis must answer fast or not at all. Each pass is bounded by `MUMBLE_RATE_LIMIT_TIMEOUT_MS`;
a failure opens a circuit breaker for `MUMBLE_RATE_LIMIT_BREAKER_SECONDS`, during which every
request that needs Redis gets the configured decision at once (503, or no limit with
`MUMBLE_RATE_LIMIT_FAIL_OPEN`) without waiting; after it one request tries Redis again, and
its success closes the breaker. A dead or frozen Redis so costs one timeout per breaker period.
"""

from __future__ import annotations

import functools
import logging
import math
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from redis.exceptions import RedisError

from mumble.clock import Clock
from mumble.errors import ServiceUnavailable, TooManyRequests
from mumble.observability import metrics
from mumble.ratecount import (
    Counters,
    MemoryCounters,
    Pass,
    Window,
    block_size,
    build_counters,
    window_of,
)
from mumble.settings import Settings

log = logging.getLogger("mumble.ratelimit")

UNLIMITED = "unlimited"
LAYER_NAMES = {"ip": "per-IP", "key": "per-key", "messaging": "messaging"}
_STORAGE_ERRORS = (RedisError, OSError, TimeoutError)


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


# One layer of a request: (layer name, identity, its windows' limits or None for unlimited).
Layer = tuple[str, str, list[RateLimitItem] | None]


class _Blocks:
    """Quota this process reserved in large windows: window key -> [left, counter seen]."""

    def __init__(self) -> None:
        self._held: dict[str, list[int]] = {}
        self._reset_at: dict[str, float] = {}

    def take(self, window: Window) -> bool:
        held = self._held.get(window.key)
        if held is None or held[0] <= 0:
            return False
        held[0] -= 1
        return True

    def give_back(self, window: Window) -> None:
        self._held[window.key][0] += 1

    def add(self, window: Window, granted: int, counter: int) -> None:
        """A reservation of `granted` (one of them taken now) at Redis counter `counter`."""
        held = self._held.setdefault(window.key, [0, 0])
        held[0] += granted - 1
        held[1] = counter
        self._reset_at[window.key] = window.reset_at

    def quota(self, window: Window) -> Quota:
        """Remaining as last seen in Redis, less what others took since (unknown)."""
        left, counter = self._held[window.key]
        return Quota(window.amount, window.amount - counter + left, window.reset_at)

    def prune(self, now: float) -> None:
        for key in [k for k, reset_at in self._reset_at.items() if reset_at < now]:
            self._held.pop(key, None)
            del self._reset_at[key]


class _Breaker:
    """Open for `seconds` after a storage failure; then one request probes, the rest wait."""

    def __init__(self, clock: Clock, seconds: float) -> None:
        self._clock = clock
        self._seconds = seconds
        self._open_until: float | None = None
        self._probing = False

    def allows(self) -> bool:
        """May this request use the storage now?"""
        if self._open_until is None:
            return True
        if self._probing or self._clock.now().timestamp() < self._open_until:
            return False
        self._probing = True
        return True

    def failed(self) -> None:
        self._open_until = self._clock.now().timestamp() + self._seconds
        self._probing = False

    def abandoned(self) -> None:
        """The request using the storage went away (cancelled): another may probe."""
        self._probing = False

    def succeeded(self) -> None:
        self._open_until = None
        self._probing = False


class RateLimiter:
    """Charges a request's layers in one pass; whichever layer trips first answers 429."""

    def __init__(self, settings: Settings, clock: Clock, counters: Counters | None = None) -> None:
        self.storage = counters or build_counters(
            settings.rate_limit_storage, settings.rate_limit_timeout_ms / 1000
        )
        self._clock = clock
        self._prefix = settings.rate_limit_key_prefix
        self._fail_open = settings.rate_limit_fail_open
        self._block_from = settings.rate_limit_block_from
        self._blocks = _Blocks()
        self._breaker = _Breaker(clock, settings.rate_limit_breaker_seconds)
        self.per_ip = parse_limits(settings.rate_limit_per_ip)
        self.per_key = parse_limits(settings.rate_limit_per_key)
        self.messaging = parse_limits(settings.rate_limit_messaging)

    async def check(self, layers: list[Layer]) -> Quota | None:
        """Count one request in every window of every layer; 429 for the first full one.

        Returns the tightest quota; storage failure: 503, or no limit when fail-open.
        """
        now = self._clock.now().timestamp()
        windows = [
            window_of(self._prefix, layer, identity, item, now)
            for layer, identity, items in layers
            for item in items or ()
        ]
        if not windows:
            return None
        self._blocks.prune(now)
        local = [self._blocks.take(w) if self._block(w) > 1 else False for w in windows]
        remote = [i for i, taken in enumerate(local) if not taken]
        charged: Pass | None = Pass((), (), None)
        if remote:
            try:
                charged = await self._charge([windows[i] for i in remote], now)
            except BaseException:
                for window, taken in zip(windows, local, strict=True):
                    if taken:
                        self._blocks.give_back(window)
                raise
        if charged is None:
            return None
        return self._outcome(windows, local, remote, charged, now)

    def _block(self, window: Window) -> int:
        if isinstance(self.storage, MemoryCounters):
            return 1
        return block_size(window.amount, self._block_from)

    async def _charge(self, windows: list[Window], now: float) -> Pass | None:
        """One pass in the storage, or the breaker's decision (None: fail open)."""
        if self._breaker.allows():
            try:
                charged = await self.storage.charge(windows, [self._block(w) for w in windows], now)
            except _STORAGE_ERRORS as exc:
                log.warning("rate limit storage failed (%s); breaker open", type(exc).__name__)
                self._breaker.failed()
            except BaseException:
                self._breaker.abandoned()
                raise
            else:
                self._breaker.succeeded()
                return charged
        if self._fail_open:
            return None
        raise ServiceUnavailable("Rate limit storage is unavailable")

    def _outcome(
        self, windows: list[Window], local: list[bool], remote: list[int], charged: Pass, now: float
    ) -> Quota | None:
        full = None if charged.full is None else remote[charged.full]
        quotas: list[Quota] = []
        for i, window in enumerate(windows):
            refused = full is not None and (i > full or window.layer == windows[full].layer)
            if not local[i] and not (full is not None and i > full):
                slot = remote.index(i)
                count, granted = charged.counts[slot], charged.granted[slot]
                if self._block(window) == 1:
                    if not refused:
                        quotas.append(Quota(window.amount, window.amount - count, window.reset_at))
                    continue
                if granted:
                    # A reservation is the process's even when this request is refused.
                    self._blocks.add(window, granted, count)
                    local[i] = True
            if refused:
                # Not charged: the pass stopped before it, or its layer refused the request.
                if local[i]:
                    self._blocks.give_back(window)
            elif local[i]:
                quotas.append(self._blocks.quota(window))
        if full is not None:
            window = windows[full]
            retry_after = max(1, math.ceil(window.reset_at - now))
            metrics.count_rate_limited(window.layer)
            quota = Quota(window.amount, 0, window.reset_at)
            raise TooManyRequests(
                f"Rate limit exceeded: {LAYER_NAMES.get(window.layer, window.layer)} limit of "
                f"{window.item} reached, retry in {retry_after} "
                f"second{'' if retry_after == 1 else 's'}",
                headers=quota.headers() | {"Retry-After": str(retry_after)},
            )
        return tightest(*quotas)

    async def close(self) -> None:
        """Release loop-bound resources (Redis connections)."""
        await self.storage.close()
