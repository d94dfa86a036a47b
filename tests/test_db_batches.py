"""The coalescer: concurrent callers' items applied as one set, each caller given its own."""

from __future__ import annotations

import asyncio

import pytest

from mumble.db.batches import Coalescer


async def test_concurrent_submits_are_applied_as_one_set_and_answered_each_their_own() -> None:
    sets: list[list[int]] = []

    async def apply(items: list[int]) -> list[int]:
        sets.append(items)
        await asyncio.sleep(0)
        return [item * 10 for item in items]

    coalescer = Coalescer(apply, window=0.01, limit=100)

    results = await asyncio.gather(
        coalescer.submit([1, 2]), coalescer.submit([3]), coalescer.submit([4, 5, 6])
    )

    assert list(results) == [[10, 20], [30], [40, 50, 60]]
    assert sets == [[1, 2, 3, 4, 5, 6]]


async def test_a_full_set_goes_at_once_and_the_rest_waits_for_the_next() -> None:
    sets: list[list[int]] = []

    async def apply(items: list[int]) -> list[int]:
        sets.append(items)
        return items

    coalescer = Coalescer(apply, window=10.0, limit=3)
    first = asyncio.ensure_future(coalescer.submit([1, 2, 3]))
    await asyncio.sleep(0.01)
    assert first.done()
    later = asyncio.ensure_future(coalescer.submit([4]))
    await asyncio.sleep(0.01)
    assert not later.done()  # waits for its window (or for close)

    await coalescer.close()

    assert await later == [4]
    assert sets == [[1, 2, 3], [4]]


async def test_a_failing_set_fails_every_caller_in_it() -> None:
    async def apply(items: list[int]) -> list[int]:
        raise RuntimeError("set failed")

    coalescer = Coalescer(apply, window=0.005, limit=100)

    results = await asyncio.gather(
        coalescer.submit([1]), coalescer.submit([2]), return_exceptions=True
    )

    assert [type(r) for r in results] == [RuntimeError, RuntimeError]
    with pytest.raises(RuntimeError):
        await coalescer.submit([3])
