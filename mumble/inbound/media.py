"""The inbound media worker: downloads customers' files after their messages are stored.

A message with media is stored `pending` first; this background task fetches the file from Meta
with the account's token (GET /{media-id} for a 5-minute URL, then the bytes) and stores it.
A failure or a slow download never touches the message: the attempt is retried with backoff on
the app clock, and get-conversation shows the file URL once it arrived. Meta keeps inbound media
ids for 7 days, so retrying stops after MAX_ATTEMPTS.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from tortoise.transactions import in_transaction

from mumble.channels.lookup import channel_of
from mumble.clock import Clock
from mumble.customers.tombstones import purge_tombstones
from mumble.errors import MumbleError
from mumble.messages.housekeeping import purge_expired
from mumble.models import Account, MediaBlob, Message
from mumble.models.states import MediaState
from mumble.wakeup import Wakeup
from mumble.whatsapp.client import GraphClient
from mumble.whatsapp.errors import WhatsAppError

log = logging.getLogger("mumble.inbound.media")

POLL_SECONDS = 0.5
BATCH = 20
MAX_ATTEMPTS = 8
FIRST_BACKOFF = dt.timedelta(seconds=30)
MAX_BACKOFF = dt.timedelta(hours=2)
# While one worker downloads, others leave the message alone this long.
LEASE = dt.timedelta(minutes=5)
# How often the worker also purges expired idempotency keys, parked statuses and tombstones.
HOUSEKEEPING_EVERY = dt.timedelta(hours=1)
# Meta refuses inbound media over 100 MB (error 131052), so nothing larger is expected.
MAX_BYTES = 100 * 1024 * 1024


def backoff(attempts: int) -> dt.timedelta:
    """The wait after `attempts` failed downloads: 30 s doubling, at most 2 hours."""
    wait: dt.timedelta = FIRST_BACKOFF * 2 ** max(0, attempts - 1)
    return min(MAX_BACKOFF, wait)


class MediaFetcher:
    """Downloads pending inbound media; a kick of `wakeup` makes it look right away."""

    def __init__(self, graph: GraphClient, clock: Clock, wakeup: Wakeup) -> None:
        self.graph = graph
        self.clock = clock
        self.wakeup = wakeup
        self._housekept_at: dt.datetime | None = None

    async def run(self) -> None:
        while True:
            try:
                await self.drain()
                await self._housekeeping()
            except asyncio.CancelledError:
                raise
            except Exception:
                # A database hiccup must not kill the worker; the next round tries again.
                log.exception("media worker round failed")
            await self.wakeup.wait(POLL_SECONDS)

    async def _housekeeping(self) -> None:
        now = self.clock.now()
        if self._housekept_at is None or now - self._housekept_at >= HOUSEKEEPING_EVERY:
            self._housekept_at = now
            await purge_expired(now)
            await purge_tombstones(now)

    async def drain(self) -> int:
        """Try every due download once; returns how many files were stored."""
        now = self.clock.now()
        due = (
            await Message.filter(media_state=MediaState.PENDING, media_next_attempt_at__lte=now)
            .order_by("media_next_attempt_at", "id")
            .limit(BATCH)
        )
        stored = 0
        for message in due:
            # Claim it: only one worker (of any process) downloads a given file at a time.
            claimed = await Message.filter(
                id=message.id,
                media_state=MediaState.PENDING,
                media_next_attempt_at=message.media_next_attempt_at,
            ).update(media_next_attempt_at=now + LEASE)
            if claimed:
                stored += await self._fetch(message, now)
        return stored

    async def _fetch(self, message: Message, now: dt.datetime) -> int:
        account = await Account.get(id=message.account_id)  # type: ignore[attr-defined]
        try:
            channel = channel_of(account)
            assert message.media_id is not None
            info = await self.graph.media_info(channel, message.media_id)
            data = await self.graph.download_media(channel, str(info["url"]))
            if len(data) > MAX_BYTES:
                raise ValueError("media larger than WhatsApp allows")
        except (WhatsAppError, MumbleError, KeyError, TypeError, ValueError) as exc:
            await self._failed(message, now, exc)
            return 0
        mime = str(info.get("mime_type") or message.media_mime or "application/octet-stream")
        async with in_transaction():
            await MediaBlob.filter(message_id=message.id).delete()
            await MediaBlob.create(message_id=message.id, mime_type=mime, size=len(data), data=data)
            await Message.filter(id=message.id).update(
                media_state=MediaState.FETCHED,
                media_mime=mime,
                media_attempts=message.media_attempts + 1,
                media_next_attempt_at=None,
            )
        return 1

    async def _failed(self, message: Message, now: dt.datetime, exc: Exception) -> None:
        attempts = message.media_attempts + 1
        gave_up = attempts >= MAX_ATTEMPTS
        log.warning(
            "media download for message %s failed (attempt %d%s): %s",
            message.id,
            attempts,
            ", giving up" if gave_up else "",
            type(exc).__name__,
        )
        await Message.filter(id=message.id).update(
            media_attempts=attempts,
            media_state=MediaState.FAILED if gave_up else MediaState.PENDING,
            media_next_attempt_at=None if gave_up else now + backoff(attempts),
        )
