"""Writes from concurrent callers applied together: one set, one transaction, one commit.

A webhook POST usually carries one status, and the cost of applying one is the database round
trips (a transaction's BEGIN, read, write and COMMIT), not the Python. `Coalescer` gathers the
items that concurrent callers submit within a short window (2 ms by default) and hands them to
one `apply` call; each caller resumes with its own items' results once that call has returned,
that is once the set is committed, so a caller never answers for work not yet stored. A set
that raises gives every caller in it the exception, and each caller decides how to redo its
own items (the inbound webhook applies them one by one).

The coalescer belongs to the process (the lifespan builds and closes it) and runs sets as
tasks of the running loop; sets may overlap, so `apply` must be safe to run concurrently.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Coalescer(Generic[T, R]):
    """Items of concurrent `submit` calls applied as one list by `apply` (one result per item)."""

    def __init__(
        self, apply: Callable[[list[T]], Awaitable[list[R]]], *, window: float, limit: int
    ) -> None:
        self._apply = apply
        self._window = window
        self._limit = limit
        self._waiting: list[tuple[Sequence[T], asyncio.Future[list[R]]]] = []
        self._count = 0
        self._timer: asyncio.TimerHandle | None = None
        self._running: set[asyncio.Task[None]] = set()

    async def submit(self, items: Sequence[T]) -> list[R]:
        """The results of `items` once the set holding them has been applied (or its error)."""
        if not items:
            return []
        future: asyncio.Future[list[R]] = asyncio.get_running_loop().create_future()
        self._waiting.append((items, future))
        self._count += len(items)
        if self._count >= self._limit or self._window <= 0:
            self._flush()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._window, self._flush)
        # The set runs on even when this caller goes away: the others wait for it too.
        return await asyncio.shield(future)

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._waiting, self._count = self._waiting, [], 0
        if batch:
            task = asyncio.get_running_loop().create_task(self._run(batch))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _run(self, batch: list[tuple[Sequence[T], asyncio.Future[list[R]]]]) -> None:
        items = [item for submitted, _ in batch for item in submitted]
        try:
            results = await self._apply(items)
            if len(results) != len(items):
                raise RuntimeError(f"{len(results)} results for {len(items)} items")
        except Exception as exc:
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        start = 0
        for submitted, future in batch:
            if not future.done():
                future.set_result(results[start : start + len(submitted)])
            start += len(submitted)

    async def close(self) -> None:
        """Apply what is waiting and wait for every set still running."""
        self._flush()
        while self._running:
            with contextlib.suppress(Exception):
                await asyncio.gather(*self._running, return_exceptions=True)
