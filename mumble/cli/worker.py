"""`mumble worker`: the webhook delivery worker and the campaign runner, apart from the API."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

import aiohttp

from mumble.campaigns import runner as campaign_runner
from mumble.clock import SystemClock
from mumble.db import open_database
from mumble.db.listener import Notices, Topic, listening
from mumble.events.worker import DeliveryWorker, release_orphaned_leases, single_worker_lock
from mumble.messages import sweep
from mumble.messages.flows import Sender
from mumble.observability import metrics
from mumble.settings import Settings
from mumble.wakeup import Wakeup
from mumble.whatsapp.client import GraphClient


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
            graph = GraphClient(session, settings.graph_api_url, settings.whatsapp_api_version)
            campaigns = campaign_runner.through_templates(
                Sender(graph, clock, settings.public_base_url),
                hold_seconds=settings.send_lease_seconds,
            )
            notices.subscribe(Topic.CAMPAIGNS, campaigns.kick)
            campaign_task = asyncio.create_task(campaigns.run())
            sys.stdout.write("webhook worker running\n")
            sys.stdout.flush()
            try:
                with contextlib.suppress(asyncio.CancelledError):
                    worker = DeliveryWorker(session, settings, clock=clock, wakeup=wakeup)
                    await worker.run(stop)
            finally:
                stop.set()
                campaign_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await campaign_task
                with contextlib.suppress(asyncio.CancelledError):
                    await sweeper
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
