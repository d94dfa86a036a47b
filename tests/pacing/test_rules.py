"""The pacer's arithmetic, without an app: GCRA rates, the rolling messaging limit, tiers,
the levels' messages per second and the back-off of each of Meta's codes."""

from __future__ import annotations

import pytest

from mumble.pacing.rules import (
    BACKOFF,
    US,
    Rate,
    gcra,
    limit_admits,
    throughput_mps,
    tier_limit,
    tier_of,
)


def _admitted(rate: Rate, times_us: list[int]) -> list[bool]:
    tat: int | None = None
    out = []
    for now in times_us:
        ok, value = gcra(tat, now, rate)
        if ok:
            tat = value
        out.append(ok)
    return out


def test_a_burst_is_admitted_at_once_then_one_send_per_interval() -> None:
    rate = Rate.per_second(80, 80)
    assert _admitted(rate, [0] * 81) == [True] * 80 + [False]


def test_a_refused_send_learns_how_long_to_wait() -> None:
    rate = Rate.per_second(1 / 6, 1)
    ok, tat = gcra(None, 0, rate)
    assert ok
    assert gcra(tat, 2 * US, rate) == (False, 4 * US)
    assert gcra(tat, 6 * US, rate)[0] is True


def test_the_pair_allowance_borrows_from_later() -> None:
    # Meta: bursts up to 45 in 6 s, then after a 20-message burst wait about 2 minutes.
    rate = Rate.per_second(1 / 6, 45)
    tat = None
    for _ in range(45):
        ok, tat = gcra(tat, 0, rate)
        assert ok
    assert gcra(tat, 0, rate) == (False, 6 * US)
    assert gcra(tat, 6 * US, rate)[0] is True


def test_no_burst_spaces_every_send() -> None:
    rate = Rate.per_second(1 / 6, 1)
    assert _admitted(rate, [0, 1 * US, 6 * US, 7 * US, 12 * US]) == [
        True,
        False,
        True,
        False,
        True,
    ]


def test_the_messaging_limit_admits_known_users_and_new_ones_while_there_is_room() -> None:
    day = 24 * 3600 * US
    now = 20 * US
    full = {"live": 2, "oldest_us": 0, "limit": 2, "now_us": now}
    assert limit_admits(known=True, **full) == (True, 0)
    assert limit_admits(known=False, **full) == (False, day - now)
    assert limit_admits(known=False, live=1, oldest_us=0, limit=2, now_us=now) == (True, 0)
    assert limit_admits(known=False, live=9, oldest_us=0, limit=None, now_us=now) == (True, 0)


@pytest.mark.parametrize(
    ("raw", "tier", "limit"),
    [
        ("TIER_250", "TIER_250", 250),
        ("tier_2k", "TIER_2K", 2000),
        (10000, "TIER_10K", 10_000),
        ("100000", "TIER_100K", 100_000),
        (-1, "TIER_UNLIMITED", None),
        ("TIER_UNLIMITED", "TIER_UNLIMITED", None),
        ("TIER_NOT_SET", None, None),
        (True, None, None),
        (None, None, None),
    ],
)
def test_tiers_from_graph_fields_and_webhooks(
    raw: object, tier: str | None, limit: int | None
) -> None:
    assert tier_of(raw) == tier
    assert tier_limit(tier) == limit


def test_the_numbers_messages_per_second() -> None:
    assert throughput_mps(override=None, level=None, coexistence=False) == 80
    assert throughput_mps(override=None, level="STANDARD", coexistence=False) == 80
    assert throughput_mps(override=None, level="HIGH", coexistence=False) == 1000
    assert throughput_mps(override=None, level="HIGH", coexistence=True) == 20
    assert throughput_mps(override=5, level="HIGH", coexistence=True) == 5


def test_each_back_pressure_code_waits_longer_on_each_strike() -> None:
    for code, backoff in BACKOFF.items():
        waits = [backoff.wait(n) for n in range(1, 5)]
        assert waits == sorted(waits), code
        assert waits[1] > waits[0], code
        assert backoff.wait(50) == backoff.cap_seconds
    assert BACKOFF[131056].pair
    assert not BACKOFF[130429].pair
    # Meta's own Retry-After wins when it is longer.
    assert BACKOFF[130429].wait(1, meta_retry_after=30) == 30
