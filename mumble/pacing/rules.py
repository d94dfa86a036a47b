"""The pacer's arithmetic: pure functions of their inputs, time passed in as microseconds.

Rates are GCRA (the generic cell rate algorithm, a token bucket kept as one number): a gate
stores its theoretical arrival time `tat`; with an emission interval `T` (1 / rate) and a burst
of `b` sends, a send at `now` is admitted when `tat - (b - 1)·T <= now`, and moves `tat` to
`max(tat, now) + T`. A burst of `b` at once is admitted, then one send per `T`; a burst of 1
spaces every send by `T`. Redis runs the same arithmetic in one Lua script (`mumble.pacing.
store`), so memory and Redis agree to the microsecond.

Meta's numbers (developers.facebook.com/documentation/business-messaging/whatsapp/throughput,
.../messaging-limits, and the pair rate limit of the error-codes page): 80 messages/s per phone
number, 1,000/s after a throughput upgrade (level HIGH), 20/s for a number shared with the
WhatsApp Business app; one message per 6 s to the same user with bursts up to 45 that borrow
from later; a portfolio reaches a limited number of unique users outside the customer-service
window per rolling 24 h (TIER_250 ... TIER_UNLIMITED).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from mumble.pacing.errors import PaceReason

US = 1_000_000
DEFAULT_MPS = 80
HIGH_MPS = 1000
COEXISTENCE_MPS = 20
PAIR_INTERVAL_SECONDS = 6.0
PAIR_BURST = 45
MESSAGING_WINDOW_SECONDS = 24 * 3600
# 131049: Meta asks not to send that user marketing again for at least a day.
MARKETING_BLOCK_SECONDS = 24 * 3600

# `whatsapp_business_manager_messaging_limit` / `max_daily_conversations_per_business`: unique
# users outside the window per 24 h (None: unlimited). TIER_50 and TIER_1K are older ladders.
TIERS: dict[str, int | None] = {
    "TIER_50": 50,
    "TIER_250": 250,
    "TIER_1K": 1000,
    "TIER_2K": 2000,
    "TIER_10K": 10_000,
    "TIER_100K": 100_000,
    "TIER_UNLIMITED": None,
}
# business_capability_update gives the limit as a number; -1 is unlimited.
_TIER_OF_NUMBER = {limit: tier for tier, limit in TIERS.items() if limit is not None}


def tier_of(raw: object) -> str | None:
    """A known tier name from a Graph field or webhook (`"TIER_2K"`, `2000`, `-1`), else None."""
    if isinstance(raw, str):
        text = raw.strip().upper()
        if text in TIERS:
            return text
        if not text.lstrip("-").isdigit():
            return None
        raw = int(text)
    if isinstance(raw, bool) or not isinstance(raw, int):
        return None
    if raw < 0:
        return "TIER_UNLIMITED"
    return _TIER_OF_NUMBER.get(raw)


def tier_limit(tier: str | None) -> int | None:
    """Unique users per 24 h for a tier; None (unlimited) when the tier is unknown or unset."""
    return TIERS.get(tier) if tier else None


def throughput_mps(
    *, override: int | None, level: str | None, coexistence: bool, default: int = DEFAULT_MPS
) -> int:
    """The number's messages per second: an admin's override, else 20 for a coexistence
    number, else 1,000 at level HIGH, else the default (80, Meta's STANDARD)."""
    if override is not None and override > 0:
        return override
    if coexistence:
        return COEXISTENCE_MPS
    if (level or "").upper() == "HIGH":
        return HIGH_MPS
    return default


@dataclass(frozen=True, slots=True)
class Rate:
    """A GCRA gate: one send per `interval_us`, `burst` of them at once."""

    interval_us: int
    burst: int

    @classmethod
    def per_second(cls, rate: float, burst: int) -> Rate:
        return cls(max(1, round(US / rate)), max(1, burst))

    @property
    def tolerance_us(self) -> int:
        return (self.burst - 1) * self.interval_us


def gcra(tat_us: int | None, now_us: int, rate: Rate) -> tuple[bool, int]:
    """(admitted, the new tat) when admitted, else (False, microseconds to wait)."""
    tat = now_us if tat_us is None else max(tat_us, now_us)
    allowed_at = tat - rate.tolerance_us
    if now_us < allowed_at:
        return False, allowed_at - now_us
    return True, tat + rate.interval_us


def limit_admits(
    *, known: bool, live: int, oldest_us: int | None, limit: int | None, now_us: int
) -> tuple[bool, int]:
    """The rolling-24 h unique-user rule, given what the portfolio reached in the last 24 h:
    whether this user is among them (`known`), how many there are, and when the oldest was
    reached. (True, 0) when the user is already counted or there is room, else (False, µs
    until the oldest reach leaves the window)."""
    if limit is None or known or live < limit:
        return True, 0
    assert oldest_us is not None  # live >= limit >= 1
    return False, oldest_us + MESSAGING_WINDOW_SECONDS * US - now_us


@dataclass(frozen=True, slots=True)
class Backoff:
    """How one of Meta's back-pressure codes slows us: the first wait, its growth per strike
    in a row, its cap, and whether it holds one user (pair) or the whole number."""

    first_seconds: float
    growth: float
    cap_seconds: float
    pair: bool = False

    def wait(self, strikes: int, meta_retry_after: float | None = None) -> float:
        """Seconds to hold sends after the `strikes`-th code in a row (1 = the first)."""
        grown = self.first_seconds * self.growth ** max(0, strikes - 1)
        return min(self.cap_seconds, max(grown, meta_retry_after or 0.0))


# Meta's remedies (the error-codes page; §2.2 of docs/whatsapp-cloud-api.md): 130429 until under
# the mps, 131056 to that user only with 4^X s, 131048 "not soon" (quality), 4 / 80007 hourly
# Graph limits.
BACKOFF: dict[int, Backoff] = {
    130429: Backoff(1.0, 2.0, 60.0),
    131056: Backoff(4.0, 4.0, 1024.0, pair=True),
    131048: Backoff(60.0, 4.0, 3600.0),
    4: Backoff(60.0, 2.0, 3600.0),
    80007: Backoff(60.0, 2.0, 3600.0),
}
# 131049: the per-user marketing limit. Not a wait: that user gets no marketing for 24 h.
MARKETING_LIMITED_CODE = 131049
# A strike is forgotten once the number (or pair) has been calm this long after its wait.
STRIKE_MEMORY_SECONDS = 600.0


def wait_seconds(microseconds: int) -> float:
    """A wait in seconds for `Paced.retry_after` (never 0: the caller must wait)."""
    return max(0.001, math.ceil(microseconds / 1000) / 1000)


REASONS = (
    PaceReason.THROUGHPUT,
    PaceReason.PAIR_RATE,
    PaceReason.BACK_PRESSURE,
    PaceReason.MESSAGING_LIMIT,
)
