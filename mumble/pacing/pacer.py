"""The Pacer: asked before every send to Meta, told of Meta's back-pressure after one.

`acquire(send, now)` admits a send or raises `Paced` (429 with Retry-After; background senders
wait `retry_after` and try again) or `MarketingHeld` (400: Meta capped this user's marketing;
not retried for 24 h). Nothing is counted for a send that is not admitted. `slow_down(send,
code, ...)` after a WhatsAppError with one of Meta's back-pressure codes holds the number (or,
for 131056, the pair) for a wait that grows with each code in a row; 131049 holds marketing to
that user for 24 h.

The gates live in Redis when the rate-limit storage is Redis (one script per decision, shared
by every process), else in this process's memory. Redis failing fails open (logged): Meta
still enforces its limits, and its back-pressure codes reach us as errors.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from redis.exceptions import RedisError

from mumble.pacing.errors import MARKETING_HELD, Paced, PaceReason
from mumble.pacing.rules import (
    BACKOFF,
    MARKETING_BLOCK_SECONDS,
    MARKETING_LIMITED_CODE,
    PAIR_BURST,
    PAIR_INTERVAL_SECONDS,
    STRIKE_MEMORY_SECONDS,
    US,
    Rate,
    wait_seconds,
)
from mumble.pacing.store import (
    HOLD,
    MARKETING,
    Decision,
    Gates,
    LimitGate,
    MemoryGates,
    RateGate,
    build_gates,
)
from mumble.settings import Settings

log = logging.getLogger("mumble.pacing")
_STORAGE_ERRORS = (RedisError, OSError, TimeoutError)


@dataclass(frozen=True, slots=True)
class Outbound:
    """One send as the pacer sees it (`mumble.pacing.channel.outbound` builds it)."""

    number: str  # the phone number id: throughput and back-pressure are per number
    user: str  # the customer: the pair rate and 131049 are per (number, user)
    mps: int  # the number's messages per second
    # Who shares the messaging limit (Meta: the business portfolio; here the WABA, else the
    # number) and that limit in unique users outside the window per 24 h (None: unlimited).
    portfolio: str
    messaging_limit: int | None = None
    outside_window: bool = False  # a template to a user whose window is closed
    marketing: bool = False  # a MARKETING template
    burst: bool = True  # False: every send to this user 6 s apart (campaigns)
    # A pace of the sender's own below Meta's: (its key, messages/s), e.g. a campaign's
    # max_per_second as ("campaign:<id>", 50.0), shared by every process sending for it.
    cap: tuple[str, float] | None = None


def _us(moment: dt.datetime) -> int:
    return int(moment.timestamp() * US)


class Pacer:
    """One pacer per process, its gates shared through Redis when there is one."""

    def __init__(
        self,
        gates: Gates,
        *,
        prefix: str = "mumble",
        pair_burst: int = PAIR_BURST,
        pair_interval: float = PAIR_INTERVAL_SECONDS,
    ) -> None:
        self.gates = gates
        self._prefix = f"{prefix}:pace"
        self._pair_burst = pair_burst
        self._pair_interval = pair_interval

    @classmethod
    def in_memory(cls) -> Pacer:
        """A pacer of its own (a Sender built without one): paces this process only."""
        return cls(MemoryGates())

    @classmethod
    def of(cls, settings: Settings) -> Pacer:
        """The process's pacer: Redis when the rate-limit storage is Redis, else memory."""
        gates = build_gates(settings.rate_limit_storage, settings.rate_limit_timeout_ms / 1000)
        return cls(
            gates,
            prefix=settings.rate_limit_key_prefix,
            pair_burst=settings.pace_pair_burst,
            pair_interval=settings.pace_pair_interval_seconds,
        )

    def _keys(self, send: Outbound) -> tuple[str, str]:
        return f"{self._prefix}:{send.number}", f"{self._prefix}:{send.number}:u:{send.user}"

    def decision(self, send: Outbound) -> Decision:
        """The gates `send` must pass, in order."""
        number, pair = self._keys(send)
        holds = [(f"{number}:hold", HOLD), (f"{pair}:hold", HOLD)]
        if send.marketing:
            holds.insert(0, (f"{pair}:marketing", MARKETING))
        burst = self._pair_burst if send.burst else 1
        throughput = Rate.per_second(send.mps, send.mps)
        pair_rate = Rate.per_second(1 / self._pair_interval, burst)
        rates: tuple[RateGate, ...] = (
            # Per rate: a number whose level changes starts afresh at its new pace, rather than
            # owing the old pace's debt (an upgrade to 1,000/s takes effect at once).
            RateGate(f"{number}:rate:{send.mps}", throughput, PaceReason.THROUGHPUT),
            RateGate(f"{pair}:rate", pair_rate, PaceReason.PAIR_RATE),
        )
        if send.cap is not None:
            key, cap_mps = send.cap
            cap = Rate.per_second(cap_mps, max(1, int(cap_mps)))
            gate = RateGate(f"{self._prefix}:cap:{key}:{cap_mps}", cap, PaceReason.THROUGHPUT)
            rates = (gate, *rates)
        limit = None
        if send.outside_window and send.messaging_limit is not None:
            key = f"{self._prefix}:portfolio:{send.portfolio}:reached"
            limit = LimitGate(key, send.user, send.messaging_limit)
        return Decision(tuple(holds), rates, limit)

    async def acquire(self, send: Outbound, now: dt.datetime) -> None:
        """Admit `send` now, or raise Paced (wait and retry) / MarketingHeld (do not retry)."""
        try:
            verdict = await self.gates.decide(self.decision(send), _us(now))
        except _STORAGE_ERRORS as exc:
            log.warning("pacer storage failed (%s); send not paced", type(exc).__name__)
            return
        if verdict is None:
            return
        if verdict.reason == MARKETING:
            raise MARKETING_HELD()
        raise Paced(wait_seconds(verdict.wait_us), PaceReason(verdict.reason))

    async def slow_down(
        self, send: Outbound, code: int, now: dt.datetime, retry_after: float | None = None
    ) -> float | None:
        """After Meta's `code` for `send`: hold the number (the pair for 131056, marketing to
        the user for 131049). Returns the hold in seconds, None for a code that holds nothing."""
        number, pair = self._keys(send)
        at = _us(now)
        try:
            if code == MARKETING_LIMITED_CODE:
                await self.gates.hold(f"{pair}:marketing", at + MARKETING_BLOCK_SECONDS * US, at)
                return float(MARKETING_BLOCK_SECONDS)
            backoff = BACKOFF.get(code)
            if backoff is None:
                return None
            key = pair if backoff.pair else number
            meta_us = int((retry_after or 0.0) * US)
            wait = await self.gates.strike(
                f"{key}:hold",
                f"{key}:strikes",
                backoff,
                meta_us,
                int(STRIKE_MEMORY_SECONDS * US),
                at,
            )
        except _STORAGE_ERRORS as exc:
            log.warning("pacer storage failed (%s); back-pressure not kept", type(exc).__name__)
            return None
        log.info("meta back-pressure %s on %s: holding %.1fs", code, send.number, wait / US)
        return wait / US

    async def close(self) -> None:
        """Release loop-bound resources (the Redis connection pool)."""
        await self.gates.close()
