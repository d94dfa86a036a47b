"""Reading every number's pace from Meta now and then: the throughput level, the portfolio's
messaging limit and the quality rating (webhooks announce changes; this catches missed ones).

The first round runs one interval after start, as the template sync does, so a process that
starts makes no Graph call before it serves.
"""

from __future__ import annotations

import asyncio
import logging

from mumble import tasks
from mumble.clock import Clock
from mumble.models import Account
from mumble.pacing.channel import refresh_from_graph
from mumble.settings import Settings
from mumble.whatsapp.client import GraphClient
from mumble.whatsapp.errors import WhatsAppError

log = logging.getLogger("mumble.pacing")


async def refresh_all(graph: GraphClient, clock: Clock) -> int:
    """Refresh every account with a channel; returns how many Meta answered for."""
    done = 0
    for account in await Account.filter(phone_number_id__isnull=False, access_token__isnull=False):
        try:
            await refresh_from_graph(graph, account, clock.now())
        except WhatsAppError as exc:
            log.warning("pace refresh of account %s failed: code %s", account.id, exc.code)
        else:
            done += 1
    return done


async def _loop(graph: GraphClient, clock: Clock, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await refresh_all(graph, clock)
        except Exception:
            # Keep the loop alive: the next round may succeed (database blip, Meta outage).
            log.exception("pace refresh round failed")


def start(graph: GraphClient, clock: Clock, settings: Settings) -> asyncio.Task[None] | None:
    """Start the periodic refresh; None when `pace_sync_seconds` is 0."""
    interval = settings.pace_sync_seconds
    if interval <= 0:
        return None
    return tasks.start(_loop(graph, clock, interval), "pace-sync")
