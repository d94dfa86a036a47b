"""The webhook delivery worker: claim due deliveries, POST them, record the outcome, repeat.

It runs inside `mumble serve` (unless MUMBLE_RUN_WORKER=0) and as `mumble worker`. On
PostgreSQL any number of workers may run (row locks with SKIP LOCKED share the work). SQLite has
no row locks, so there one worker at a time holds an exclusive lock on a file next to the
database; a second one stands by (or, as `mumble worker`, refuses to start).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import IO

import aiohttp

from mumble.clock import Clock
from mumble.db.config import sqlite_file
from mumble.events import queue
from mumble.events.payloads import encode, event_payload
from mumble.events.sender import post_signed
from mumble.models.events import Event
from mumble.models.webhooks import WebhookDelivery, WebhookEndpoint
from mumble.observability import metrics
from mumble.settings import Settings
from mumble.wakeup import Wakeup

log = logging.getLogger("mumble.webhooks")

Sleep = Callable[[float], Awaitable[None]]
BATCH_SIZE = 20
STANDBY_SECONDS = 5.0
# After a wake-up, deliveries queued by the same burst of writes are claimed together.
DEBOUNCE_SECONDS = 0.002


def sqlite_lock_path(database_url: str) -> Path | None:
    """The lock file guarding a SQLite database's single worker; None for other databases."""
    path = sqlite_file(database_url)
    return None if path is None else path.with_name(path.name + ".worker.lock")


async def release_orphaned_leases(database_url: str) -> None:
    """Under the SQLite worker lock no other worker can hold a lease: a killed worker's go now.

    Call only while holding `single_worker_lock`; on PostgreSQL leases expire on their own.
    """
    if sqlite_lock_path(database_url) is not None:
        await queue.release_all_leases()


@contextlib.contextmanager
def single_worker_lock(database_url: str) -> Iterator[bool]:
    """Yields True when this process may run a worker on the database (always on PostgreSQL).

    The OS drops a flock when its holder dies, so a kill -9 never leaves the database orphaned.
    """
    path = sqlite_lock_path(database_url)
    if path is None:
        yield True
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle: IO[str] = path.open("a")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        handle.close()


class DeliveryWorker:
    """Delivers webhook events; `run_once` is one claim-and-send pass (tests drive it directly)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        settings: Settings,
        *,
        clock: Clock,
        rng: random.Random | None = None,
        batch_size: int = BATCH_SIZE,
        wakeup: Wakeup | None = None,
    ) -> None:
        self.session = session
        self.settings = settings
        self.clock = clock
        self.rng = rng or random.Random()
        self.batch_size = batch_size
        # Kicked once queued deliveries commit (`mumble.db.listener.Topic.DELIVERIES`).
        self.wakeup = wakeup or Wakeup()

    async def run_once(self) -> int:
        """Claim one batch of due deliveries and send them concurrently; returns how many."""
        claims = await queue.claim_due(
            self.clock.now(),
            limit=self.batch_size,
            lease_seconds=self.settings.webhook_lease_seconds,
        )
        results = await asyncio.gather(
            *(self._deliver(claim) for claim in claims), return_exceptions=True
        )
        for claim, result in zip(claims, results, strict=True):
            if isinstance(result, BaseException):
                metrics.count_delivery("error")
                # The row stays leased and is retried once the lease runs out.
                log.error("webhook delivery=%s failed", claim.delivery_id, exc_info=result)
        return len(claims)

    async def _deliver(self, claim: queue.Claim) -> None:
        delivery = await WebhookDelivery.get_or_none(id=claim.delivery_id).only(
            "id", "endpoint_id", "event_seq"
        )
        if delivery is None:  # the endpoint was deleted meanwhile
            return
        endpoint = await WebhookEndpoint.get_or_none(id=delivery.endpoint_id).only(
            "id", "url", "secret"
        )
        event = await Event.get_or_none(seq=delivery.event_seq)
        if endpoint is None or event is None:
            return
        body = encode(event_payload(event))
        outcome = await post_signed(
            self.session,
            endpoint.url,
            endpoint.secret,
            str(event.id),
            body,
            timestamp=int(self.clock.now().timestamp()),
            timeout_seconds=self.settings.webhook_timeout_seconds,
            allow_private=self.settings.allow_private_urls,
        )
        status = await queue.record_outcome(claim, outcome, self.clock.now(), self.rng)
        # None: our lease ran out meanwhile and another worker's attempt is the one on record.
        metrics.count_delivery(status or "lost_lease")
        log.info(
            "webhook delivery=%s event=%s attempt=%s -> %s (%s)",
            claim.delivery_id,
            event.id,
            claim.attempt,
            status,
            outcome.error or outcome.status_code,
        )

    async def run(self, stop: asyncio.Event, *, sleep: Sleep | None = None) -> None:
        """Loop until `stop` is set: work while there is work, else wait for a wake-up (or a
        poll interval, for retries coming due and a notice missed)."""
        pause = sleep or self._wait(stop)
        while not stop.is_set():
            try:
                done = await self.run_once()
            except Exception:
                # A lost database connection must not end the loop; the next pass retries.
                log.exception("webhook worker pass failed")
                done = 0
            if not done:
                await pause(self.settings.webhook_poll_seconds)

    def _wait(self, stop: asyncio.Event) -> Sleep:
        async def wait(seconds: float) -> None:
            stopping = asyncio.ensure_future(stop.wait())
            woken = asyncio.ensure_future(self.wakeup.wait(seconds))
            try:
                await asyncio.wait((stopping, woken), return_when=asyncio.FIRST_COMPLETED)
            finally:
                stopping.cancel()
                woken.cancel()
            if woken.done() and not woken.cancelled() and woken.result():
                await asyncio.sleep(DEBOUNCE_SECONDS)

        return wait


def _interruptible_sleep(stop: asyncio.Event) -> Sleep:
    async def sleep(seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=seconds)

    return sleep


async def serve_worker(
    session: aiohttp.ClientSession,
    settings: Settings,
    clock: Clock,
    stop: asyncio.Event,
    wakeup: Wakeup | None = None,
) -> None:
    """Run a worker until `stop`; on SQLite first wait to become the only worker."""
    sleep = _interruptible_sleep(stop)
    while not stop.is_set():
        with single_worker_lock(settings.database_url) as mine:
            if mine:
                await release_orphaned_leases(settings.database_url)
                log.info("webhook worker started (pid %s)", os.getpid())
                await DeliveryWorker(session, settings, clock=clock, wakeup=wakeup).run(stop)
                return
        log.info("another worker serves this SQLite database; standing by")
        await sleep(STANDBY_SECONDS)


@contextlib.asynccontextmanager
async def embedded_worker(
    settings: Settings, session: aiohttp.ClientSession, clock: Clock, wakeup: Wakeup
) -> AsyncIterator[None]:
    """Run the worker in the background of the app while the block runs (if run_worker)."""
    if not settings.run_worker:
        yield
        return
    stop = asyncio.Event()
    task = asyncio.create_task(serve_worker(session, settings, clock, stop, wakeup))
    try:
        yield
    finally:
        stop.set()
        try:
            # Let a delivery in progress finish; past the timeout it is leased and will be retried.
            await asyncio.wait_for(task, timeout=settings.webhook_timeout_seconds + 2)
        except TimeoutError:
            log.warning("webhook worker did not stop in time; its leases will expire")
        except Exception:
            # Never let the worker's failure break the app's shutdown; it is logged instead.
            log.exception("webhook worker stopped with an error")
