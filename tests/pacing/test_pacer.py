"""The Pacer on its own, in memory and on real Redis (MUMBLE_TEST_REDIS_URL): every gate,
Meta's back-pressure, and one throughput shared by two pacers (two processes) on one Redis."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from mumble.pacing.errors import MarketingHeld, Paced, PaceReason
from mumble.pacing.pacer import Outbound, Pacer
from mumble.pacing.store import MemoryGates, RedisGates
from tests.pacing.conftest import prefix

T0 = dt.datetime(2026, 6, 29, 12, 0, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def send(user: str = "u1", **fields: object) -> Outbound:
    values: dict[str, object] = {"number": "n1", "user": user, "mps": 1000, "portfolio": "w1"}
    return Outbound(**{**values, **fields})  # type: ignore[arg-type]


@pytest_asyncio.fixture(params=["memory", "redis"])
async def pacer(request: pytest.FixtureRequest) -> AsyncIterator[Pacer]:
    if request.param == "memory":
        instance = Pacer(MemoryGates(), prefix=prefix())
    else:
        url = request.getfixturevalue("redis_url")
        instance = Pacer(RedisGates(url, 2.0), prefix=prefix())
    yield instance
    await instance.close()


async def paced(pacer: Pacer, outbound: Outbound, moment: dt.datetime) -> Paced:
    with pytest.raises(Paced) as caught:
        await pacer.acquire(outbound, moment)
    return caught.value


async def test_throughput_caps_the_number_and_refills_with_time(pacer: Pacer) -> None:
    for i in range(10):
        await pacer.acquire(send(f"u{i}", mps=10), at(0))
    refused = await paced(pacer, send("u10", mps=10), at(0))
    assert refused.reason == PaceReason.THROUGHPUT
    assert refused.retry_after == pytest.approx(0.1)
    assert refused.headers["Retry-After"] == "1"
    await pacer.acquire(send("u10", mps=10), at(0.1))
    # Another number has its own throughput.
    await pacer.acquire(send("u0", number="n2", mps=10), at(0.1))


async def test_the_pair_rate_allows_metas_burst_then_one_per_six_seconds(pacer: Pacer) -> None:
    for _ in range(45):
        await pacer.acquire(send(), at(0))
    refused = await paced(pacer, send(), at(0))
    assert refused.reason == PaceReason.PAIR_RATE
    assert refused.retry_after == pytest.approx(6.0)
    await pacer.acquire(send("u2"), at(0))  # other users are not held
    await pacer.acquire(send(), at(6))


async def test_a_campaign_never_bursts_one_user(pacer: Pacer) -> None:
    await pacer.acquire(send(burst=False), at(0))
    refused = await paced(pacer, send(burst=False), at(1))
    assert refused.reason == PaceReason.PAIR_RATE
    assert refused.retry_after == pytest.approx(5.0)
    await pacer.acquire(send(burst=False), at(6))


async def test_a_senders_own_cap_paces_below_the_numbers_throughput(pacer: Pacer) -> None:
    capped = {"cap": ("campaign:c1", 2.0)}
    await pacer.acquire(send("a", **capped), at(0))
    await pacer.acquire(send("b", **capped), at(0))
    refused = await paced(pacer, send("c", **capped), at(0))
    assert (refused.reason, refused.retry_after) == ("throughput", 0.5)
    await pacer.acquire(send("c"), at(0))  # the number itself still has room
    await pacer.acquire(send("c", **capped), at(0.5))


async def test_a_paced_send_uses_up_nothing(pacer: Pacer) -> None:
    await pacer.acquire(send("a", mps=1), at(0))
    for _ in range(5):
        await paced(pacer, send("b", mps=1), at(0.5))
    # Refused sends did not push the number's next slot further away.
    await pacer.acquire(send("b", mps=1), at(1))


@pytest.mark.parametrize(
    ("code", "first", "second"),
    [(130429, 1.0, 2.0), (131048, 60.0, 240.0), (80007, 60.0, 120.0), (4, 60.0, 120.0)],
)
async def test_number_back_pressure_holds_every_send_of_the_number_longer_each_time(
    pacer: Pacer, code: int, first: float, second: float
) -> None:
    assert await pacer.slow_down(send(), code, at(0)) == pytest.approx(first)
    refused = await paced(pacer, send("someone-else"), at(0))
    assert refused.reason == PaceReason.BACK_PRESSURE
    assert refused.retry_after == pytest.approx(first)
    await pacer.acquire(send("someone-else"), at(first))
    assert await pacer.slow_down(send(), code, at(first)) == pytest.approx(second)
    assert (await paced(pacer, send(), at(first))).retry_after == pytest.approx(second)
    await pacer.acquire(send("u0", number="n2"), at(first))  # another number goes on


async def test_pair_back_pressure_holds_only_that_user(pacer: Pacer) -> None:
    assert await pacer.slow_down(send(), 131056, at(0)) == pytest.approx(4.0)
    refused = await paced(pacer, send(), at(0))
    assert refused.reason == PaceReason.BACK_PRESSURE
    assert refused.retry_after == pytest.approx(4)
    await pacer.acquire(send("u2"), at(0))
    assert await pacer.slow_down(send(), 131056, at(4)) == pytest.approx(16.0)
    assert await pacer.slow_down(send(), 131056, at(20)) == pytest.approx(64.0)


async def test_metas_retry_after_is_respected_when_longer(pacer: Pacer) -> None:
    assert await pacer.slow_down(send(), 130429, at(0), retry_after=30) == pytest.approx(30)


async def test_131049_holds_marketing_to_that_user_for_a_day(pacer: Pacer) -> None:
    assert await pacer.slow_down(send(), 131049, at(0)) == 24 * 3600
    with pytest.raises(MarketingHeld):
        await pacer.acquire(send(marketing=True), at(3600))
    await pacer.acquire(send(marketing=False), at(3600))  # utility and service still go
    await pacer.acquire(send("u2", marketing=True), at(3600))
    await pacer.acquire(send(marketing=True), at(24 * 3600))


async def test_codes_that_are_not_back_pressure_hold_nothing(pacer: Pacer) -> None:
    assert await pacer.slow_down(send(), 131026, at(0)) is None
    await pacer.acquire(send(), at(0))


async def test_the_messaging_limit_counts_new_users_outside_the_window(pacer: Pacer) -> None:
    def outside(user: str, **fields: object) -> Outbound:
        return send(user, outside_window=True, messaging_limit=3, **fields)

    for user in ("a", "b", "c"):
        await pacer.acquire(outside(user), at(0))
    refused = await paced(pacer, outside("d"), at(60))
    assert refused.reason == PaceReason.MESSAGING_LIMIT
    assert refused.retry_after == pytest.approx(24 * 3600 - 60)
    await pacer.acquire(outside("a"), at(60))  # already reached: not a new user
    await pacer.acquire(send("d"), at(60))  # inside the window: not counted
    # The portfolio's other number shares the limit.
    assert (await paced(pacer, outside("d", number="n2"), at(61))).reason == "messaging_limit"
    await pacer.acquire(outside("d"), at(24 * 3600 + 1))  # "b" and "c" left the window


async def test_two_pacers_on_one_redis_share_one_throughput(redis_url: str) -> None:
    shared = prefix()
    first = Pacer(RedisGates(redis_url, 2.0), prefix=shared)
    second = Pacer(RedisGates(redis_url, 2.0), prefix=shared)
    try:
        reasons: list[str | None] = []
        for i in range(40):
            try:
                await (first if i % 2 else second).acquire(send(f"u{i}", mps=20), at(0))
            except Paced as exc:
                reasons.append(exc.reason)
            else:
                reasons.append(None)
        assert reasons == [None] * 20 + [PaceReason.THROUGHPUT] * 20
        # Back-pressure one process learns holds the other.
        await first.slow_down(send(), 130429, at(1))
        assert (await paced(second, send("x", mps=20), at(1))).reason == "back_pressure"
    finally:
        await first.close()
        await second.close()


async def test_a_dead_redis_fails_open_meta_stays_the_bound() -> None:
    dead = Pacer(RedisGates("redis://127.0.0.1:1/0", 0.2), prefix=prefix())
    try:
        for _ in range(3):
            await dead.acquire(send(mps=1), at(0))
        assert await dead.slow_down(send(), 130429, at(0)) is None
    finally:
        await dead.close()
