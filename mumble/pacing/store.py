"""Where the pacer keeps its gates: this process's memory, or Redis shared by every process.

A send's decision is one pass over its gates (`Decision`): holds first (Meta's back-pressure,
131049 marketing holds), then the rates (the number's throughput, the pair), then the portfolio's
messaging limit. Nothing is written unless every gate admits the send, so a paced send uses up
no quota. On Redis the pass is one Lua script (one round trip, atomic across processes); memory
runs the same arithmetic (`mumble.pacing.rules`) in Python. Times are integer microseconds from
the caller's clock, never the storage's, so tests drive them and processes agree.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from mumble.pacing.rules import (
    MESSAGING_WINDOW_SECONDS,
    US,
    Backoff,
    Rate,
    gcra,
    limit_admits,
)
from mumble.ratecount import bounded_client

HOLD = "back_pressure"
MARKETING = "marketing"


@dataclass(frozen=True, slots=True)
class RateGate:
    key: str
    rate: Rate
    reason: str  # a PaceReason value


@dataclass(frozen=True, slots=True)
class LimitGate:
    key: str
    member: str
    limit: int


@dataclass(frozen=True, slots=True)
class Decision:
    """The gates of one send: holds (key, kind: HOLD | MARKETING), rates, the messaging limit."""

    holds: tuple[tuple[str, str], ...]
    rates: tuple[RateGate, ...]
    limit: LimitGate | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    """Why a send must wait (a PaceReason value, or MARKETING) and for how many µs."""

    reason: str
    wait_us: int


# KEYS: holds, rates, then the limit's sorted set. ARGV: now, #holds, #rates, has limit, each
# hold's kind, each rate's (interval, tolerance, reason), the limit's (limit, member, window).
# Returns {""} when admitted, else {reason, wait µs}. Numbers travel as "%.0f" strings: a Lua
# reply truncates floats and tostring() rounds large ones.
_DECIDE = """
local now = tonumber(ARGV[1])
local nh, nr, nl = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local a = 5
for i = 1, nh do
    local held = tonumber(redis.call("get", KEYS[i]) or "0")
    if held > now then
        return {ARGV[a + i - 1], string.format("%.0f", held - now)}
    end
end
a = a + nh
local tats = {}
for j = 1, nr do
    local interval, tolerance = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
    local tat = tonumber(redis.call("get", KEYS[nh + j]) or "0")
    if tat < now then
        tat = now
    end
    if now < tat - tolerance then
        return {ARGV[a + 2], string.format("%.0f", tat - tolerance - now)}
    end
    tats[j] = tat + interval
    a = a + 3
end
if nl == 1 then
    local key = KEYS[nh + nr + 1]
    local limit, member, window = tonumber(ARGV[a]), ARGV[a + 1], tonumber(ARGV[a + 2])
    redis.call("zremrangebyscore", key, "-inf", string.format("%.0f", now - window))
    if not redis.call("zscore", key, member) and redis.call("zcard", key) >= limit then
        local oldest = redis.call("zrange", key, 0, 0, "WITHSCORES")
        return {"messaging_limit", string.format("%.0f", tonumber(oldest[2]) + window - now)}
    end
    redis.call("zadd", key, string.format("%.0f", now), member)
    redis.call("pexpire", key, math.floor(window / 1000) + 60000)
end
for j = 1, nr do
    local ttl = math.floor((tats[j] - now) / 1000) + 1000
    redis.call("set", KEYS[nh + j], string.format("%.0f", tats[j]), "PX", ttl)
end
return {""}
"""

# KEYS: the hold, its strike counter. ARGV: now, first wait, growth, cap, Meta's wait, strike
# memory (µs). Holds until now + min(cap, max(first·growth^(strikes-1), Meta's)); a longer
# hold already there stays. Returns the wait µs from now.
_STRIKE = """
local now, first, growth = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local cap, meta, memory = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local strikes = redis.call("incr", KEYS[2])
local wait = first * growth ^ (strikes - 1)
if meta > wait then
    wait = meta
end
if wait > cap then
    wait = cap
end
local untilv = now + wait
local old = tonumber(redis.call("get", KEYS[1]) or "0")
if untilv > old then
    redis.call("set", KEYS[1], string.format("%.0f", untilv), "PX", math.floor(wait / 1000) + 1000)
else
    untilv = old
end
redis.call("pexpire", KEYS[2], math.floor((wait + memory) / 1000) + 1)
return string.format("%.0f", untilv - now)
"""


def _strike_wait(backoff: Backoff, strikes: int, meta_us: int) -> int:
    grown = backoff.first_seconds * US * backoff.growth ** (strikes - 1)
    return int(min(backoff.cap_seconds * US, max(grown, meta_us)))


@dataclass
class MemoryGates:
    """The gates in this process's memory (no Redis): key -> (value, expires at µs)."""

    _values: dict[str, tuple[int, int]] = field(default_factory=dict)
    # Per portfolio: user -> last reached (µs), oldest first, so the window is pruned from the
    # front and the count is the length (a day's users cost nothing per send).
    _reached: dict[str, OrderedDict[str, int]] = field(default_factory=dict)
    _passes: int = 0

    def _get(self, key: str, now: int) -> int | None:
        found = self._values.get(key)
        if found is None or found[1] <= now:
            return None
        return found[0]

    async def decide(self, decision: Decision, now: int) -> Verdict | None:
        self._prune(now)
        for key, kind in decision.holds:
            held = self._get(key, now)
            if held is not None and held > now:
                return Verdict(kind, held - now)
        tats: list[int] = []
        for gate in decision.rates:
            admitted, value = gcra(self._get(gate.key, now), now, gate.rate)
            if not admitted:
                return Verdict(gate.reason, value)
            tats.append(value)
        limit = decision.limit
        if limit is not None:
            reached = self._reached.setdefault(limit.key, OrderedDict())
            horizon = now - MESSAGING_WINDOW_SECONDS * US
            while reached and next(iter(reached.values())) <= horizon:
                reached.popitem(last=False)
            admitted, wait = limit_admits(
                known=limit.member in reached,
                live=len(reached),
                oldest_us=next(iter(reached.values()), None),
                limit=limit.limit,
                now_us=now,
            )
            if not admitted:
                return Verdict("messaging_limit", wait)
            reached[limit.member] = now
            reached.move_to_end(limit.member)
        for gate, tat in zip(decision.rates, tats, strict=True):
            self._values[gate.key] = (tat, tat + US)
        return None

    async def strike(
        self, hold: str, strikes_key: str, backoff: Backoff, meta_us: int, memory_us: int, now: int
    ) -> int:
        strikes = (self._get(strikes_key, now) or 0) + 1
        wait = _strike_wait(backoff, strikes, meta_us)
        until = max(now + wait, self._get(hold, now) or 0)
        self._values[hold] = (until, until)
        self._values[strikes_key] = (strikes, now + wait + memory_us)
        return until - now

    async def hold(self, key: str, until: int, now: int) -> None:
        until = max(until, self._get(key, now) or 0)
        self._values[key] = (until, until)

    def _prune(self, now: int) -> None:
        """Forget expired gates every thousand passes (memory stays bounded)."""
        self._passes += 1
        if self._passes % 1000:
            return
        for key in [k for k, (_, expires) in self._values.items() if expires <= now]:
            del self._values[key]

    async def close(self) -> None:
        self._values.clear()
        self._reached.clear()


class RedisGates:
    """The gates in Redis, shared by every process: one EVALSHA per decision."""

    def __init__(self, url: str, timeout: float) -> None:
        self.client = bounded_client(url, timeout)
        self._decide: Any = self.client.register_script(_DECIDE)
        self._strike: Any = self.client.register_script(_STRIKE)

    async def decide(self, decision: Decision, now: int) -> Verdict | None:
        keys = [key for key, _ in decision.holds] + [gate.key for gate in decision.rates]
        args: list[Any] = [now, len(decision.holds), len(decision.rates)]
        args.append(1 if decision.limit else 0)
        args += [kind for _, kind in decision.holds]
        for gate in decision.rates:
            args += (gate.rate.interval_us, gate.rate.tolerance_us, gate.reason)
        if decision.limit is not None:
            keys.append(decision.limit.key)
            args += (decision.limit.limit, decision.limit.member, MESSAGING_WINDOW_SECONDS * US)
        out = await self._decide(keys, args)
        reason = _text(out[0])
        return Verdict(reason, int(_text(out[1]))) if reason else None

    async def strike(
        self, hold: str, strikes_key: str, backoff: Backoff, meta_us: int, memory_us: int, now: int
    ) -> int:
        args = [now, int(backoff.first_seconds * US), backoff.growth]
        args += [int(backoff.cap_seconds * US), meta_us, memory_us]
        return int(_text(await self._strike([hold, strikes_key], args)))

    async def hold(self, key: str, until: int, now: int) -> None:
        ttl = max(1, math.ceil((until - now) / 1000))
        await self.client.set(key, str(until), px=ttl)

    async def close(self) -> None:
        await self.client.aclose()


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


Gates = MemoryGates | RedisGates


def build_gates(url: str, timeout: float) -> Gates:
    """memory:// (this process) or redis://… (every process): the rate-limit storage URL."""
    if url.startswith(("redis://", "rediss://", "async+redis://", "async+rediss://")):
        return RedisGates(url, timeout)
    return MemoryGates()
