"""mumble.db.readcache and mumble.db.writes as pure parts: bounds, drops, voided reads, and
which statements count as writes to the watched tables."""

from __future__ import annotations

import pytest

from mumble.db import writes
from mumble.db.readcache import ReadCache
from tests.clock import FrozenClock


def _cache(clock: FrozenClock, entries: int = 3, ttl: float = 10) -> ReadCache:
    cache = ReadCache(clock, ttl, max_entries=entries)
    cache.listen(True)
    return cache


def test_the_cache_is_bounded_and_drops_the_least_recently_used_first() -> None:
    cache = _cache(FrozenClock())
    for n in range(3):
        cache.put(cache.ticket(), n, f"row{n}", "acct", {"n": n})
    assert cache.get(0) == {"n": 0}  # 0 is now the most recently used
    cache.put(cache.ticket(), 3, "row3", "acct", {"n": 3})
    cache.put(cache.ticket(), 4, "row4", "acct", {"n": 4})
    assert len(cache) == 3
    assert [cache.get(n) is not None for n in range(5)] == [True, False, False, True, True]


def test_an_entry_expires_after_the_period() -> None:
    clock = FrozenClock()
    cache = _cache(clock)
    cache.put(cache.ticket(), "k", "r", "a", 1)
    clock.advance(seconds=9.9)
    assert cache.get("k") == 1
    clock.advance(seconds=0.1)
    assert cache.get("k") is None
    assert len(cache) == 0


def test_notices_drop_a_row_an_account_or_everything() -> None:
    cache = _cache(FrozenClock(), entries=10)
    cache.put(cache.ticket(), ("a1", "p1"), "c1", "a1", 1)
    cache.put(cache.ticket(), ("a1", "u1"), "c1", "a1", 1)
    cache.put(cache.ticket(), ("a1", "p2"), "c2", "a1", 2)
    cache.put(cache.ticket(), ("a2", "p1"), "c3", "a2", 3)
    cache.heard("c:c1")
    assert cache.get(("a1", "p1")) is None
    assert cache.get(("a1", "u1")) is None
    assert cache.get(("a1", "p2")) == 2
    cache.heard("a:a1")
    assert cache.get(("a1", "p2")) is None
    assert cache.get(("a2", "p1")) == 3
    cache.heard("*")
    assert len(cache) == 0


def test_a_read_under_way_when_a_change_is_heard_is_not_stored() -> None:
    cache = _cache(FrozenClock())
    ticket = cache.ticket()
    cache.heard("c:somebody-else")
    cache.put(ticket, "k", "r", "a", "read before the change")
    assert cache.get("k") is None


def test_nothing_is_cached_or_served_while_not_listening() -> None:
    cache = _cache(FrozenClock())
    cache.put(cache.ticket(), "k", "r", "a", 1)
    cache.listen(False)
    assert cache.get("k") is None
    cache.put(cache.ticket(), "k", "r", "a", 1)
    cache.listen(True)
    assert cache.get("k") is None


def test_a_write_in_this_process_clears_every_cache() -> None:
    cache = _cache(FrozenClock())
    cache.put(cache.ticket(), "k", "r", "a", 1)
    writes.noted(None, 'UPDATE "customer" SET "name"=$1 WHERE "id"=$2')
    assert cache.get("k") is None


@pytest.mark.parametrize(
    "sql",
    [
        'UPDATE "customer" SET "name"=$1 WHERE "id"=$2',
        'INSERT INTO "customer_label" ("customer_id","label_id") VALUES ($1,$2)',
        'DELETE FROM "label" WHERE "id"=$1',
        "update public.customer set last_interaction = now()",
        "WITH x AS (SELECT 1) UPDATE ONLY agent SET name = $1",
        'TRUNCATE TABLE "bot", "team"',
        "merge into customer c using s on true when matched then update set name = s.name",
    ],
)
def test_writes_to_watched_tables_are_recognised(sql: str) -> None:
    assert writes.touches(sql)


@pytest.mark.parametrize(
    "sql",
    [
        'SELECT "id" FROM "customer" WHERE "account_id"=$1 FOR UPDATE',
        'UPDATE "message" SET "status"=$1 WHERE "customer_id"=$2',
        'INSERT INTO "customer_event" ("id") VALUES ($1)',
        'UPDATE "api_key" SET "last_used_at"=$1 WHERE "id"=$2',
        'SELECT "name" FROM "label" WHERE "account_id"=$1',
    ],
)
def test_reads_and_other_tables_are_not_writes_to_watched_tables(sql: str) -> None:
    assert not writes.touches(sql)
