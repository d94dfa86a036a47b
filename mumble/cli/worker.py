"""`mumble worker`: the webhook delivery worker on its own, for scaling apart from the API."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

import aiohttp

from mumble.app import bot_worker
from mumble.auth import KeyCache, LastUsedTracker
from mumble.clock import Clock, SystemClock
from mumble.db import open_database
from mumble.db.listener import Notices, Topic, listening
from mumble.events.worker import DeliveryWorker, release_orphaned_leases, single_worker_lock
from mumble.messages import sweep
from mumble.observability import metrics
from mumble.pacing.pacer import Pacer
from mumble.ratelimit import RateLimiter
from mumble.services import Services
from mumble.settings import Settings
from mumble.wakeup import Wakeup
from mumble.whatsapp.client import GraphClient


def _services(settings: Settings, clock: Clock, http: aiohttp.ClientSession) -> Services:
    """The collaborators the bot worker sends with, as the app builds them."""
    return Services(
        settings=settings,
        clock=clock,
        http=http,
        graph=GraphClient(http, settings.graph_api_url, settings.whatsapp_api_version),
        limiter=RateLimiter(settings, clock),
        key_usage=LastUsedTracker(clock),
        keys=KeyCache(clock, settings.auth_cache_seconds),
        media_wakeup=Wakeup(),
        # The same pace as the API processes: shared through the rate-limit storage.
        pacer=Pacer.of(settings),
    )


async def _work(settings: Settings) -> int:
    with single_worker_lock(settings.database_url) as mine:
        if not mine:
            sys.stderr.write("error: another webhook worker is running on this SQLite database\n")
            return 1
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        wakeup = Wakeup()
        notices = Notices()
        notices.subscribe(Topic.DELIVERIES, wakeup.kick)
        async with (
            open_database(settings.database_url),
            aiohttp.ClientSession() as session,
            listening(settings.database_url, notices),
        ):
            await release_orphaned_leases(settings.database_url)
            stop_metrics = (
                metrics.serve_in_thread(settings.host, settings.worker_metrics_port)
                if settings.worker_metrics_port
                else None
            )
            clock = SystemClock()
            await sweep.sweep_at_start(settings, clock)
            sweeper = asyncio.create_task(sweep.run_sweeper(settings, clock, stop))
            services = _services(settings, clock, session)
            bots = asyncio.create_task(bot_worker(services).run())
            sys.stdout.write("webhook worker running\n")
            sys.stdout.flush()
            try:
                with contextlib.suppress(asyncio.CancelledError):
                    worker = DeliveryWorker(session, settings, clock=clock, wakeup=wakeup)
                    await worker.run(stop)
            finally:
                stop.set()
                bots.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await bots
                with contextlib.suppress(asyncio.CancelledError):
                    await sweeper
                await services.limiter.close()
                await services.pacer.close()
                if stop_metrics is not None:
                    stop_metrics()
                metrics.process_stopped()
    return 0


def run_worker(args: argparse.Namespace) -> None:
    # Migrations are `mumble migrate`'s (or `mumble serve`'s) job, never raced by workers.
    settings = Settings.from_env()
    sys.exit(asyncio.run(_work(settings)))


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    worker_cmd = subparsers.add_parser("worker", help="deliver webhook events (no HTTP API)")
    worker_cmd.set_defaults(main=run_worker)
