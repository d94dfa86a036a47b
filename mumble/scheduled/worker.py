"""The scheduled-send worker: every few seconds, claim what is due and send it.

It runs in every app process; the claim in `service.claim_due` lets only one process send a
row. The send itself is injected (the templates domain's pipeline, consent rules included), so
this package knows nothing of templates.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from mumble.clock import Clock
from mumble.errors import MumbleError
from mumble.pacing.errors import Paced
from mumble.scheduled import service

log = logging.getLogger("mumble.scheduled")

# (account, phone or None, template id, the stored request) -> the id of the message sent.
# With no phone, the stored request names the customer by business-scoped user id.
Send = Callable[[uuid.UUID, str | None, str, dict[str, Any]], Awaitable[int]]
POLL_SECONDS = 1.0
BATCH = 20


class ScheduledWorker:
    """Sends due scheduled messages; `run_once` is one pass (tests drive it directly)."""

    def __init__(self, send: Send, clock: Clock, *, poll_seconds: float = POLL_SECONDS) -> None:
        self._send = send
        self._clock = clock
        self._poll = poll_seconds

    async def run_once(self) -> int:
        """Claim and send what is due now; returns how many were attempted."""
        claimed = await service.claim_due(self._clock.now(), limit=BATCH)
        for due in claimed:
            try:
                message_id = await self._send(
                    due.account_id, due.customer_phone, due.template_id, due.request
                )
            except Paced as exc:
                # Not a failure: the number (or the user) is at Meta's pace; try again then.
                until = self._clock.now() + dt.timedelta(seconds=exc.retry_after)
                await service.postpone(due, until, self._clock.now())
            except MumbleError as exc:
                log.info("scheduled send %s failed: %s", due.id, exc.status)
                await service.record(due, self._clock.now(), error=exc.message)
            else:
                await service.record(due, self._clock.now(), message_id=message_id)
        return len(claimed)

    async def run(self) -> None:
        """Pass after pass until cancelled; an unexpected error is logged, never fatal."""
        while True:
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("scheduled-send pass failed")
            await asyncio.sleep(self._poll)
