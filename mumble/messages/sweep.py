"""Resolving sends whose process died between "accepted" and Meta's answer (kill -9, OOM).

A send commits its message `accepted` before it calls Meta, and records `sent` + wamid (or
`failed`) after. A process killed in between leaves the row `accepted` with no wamid, so its
status webhooks can never attach, and its Idempotency-Key "in progress". Both carry a lease:
`MUMBLE_SEND_LEASE_SECONDS`, longer than a send's retried Graph calls. Past it, the sweep (at
start-up and in the worker) resolves each stale row:

- Meta has no lookup of a sent message, but it echoes the send's `biz_opaque_callback_data` (our
  message id) in every status webhook. A status parked for an unknown wamid that names the row
  proves Meta accepted it: the row becomes `sent` with that wamid (message.sent), and the parked
  statuses apply in the same transaction, as after a live send.
- Otherwise Meta never answered for it: `failed` with SWEPT_REASON and message.failed.

Then the stale keys: a key whose message is now `sent` stores the send endpoints' answer (a retry
replays it and sends nothing again); any other stale key is released, so a retry really sends.
Each row is re-read locked and still `accepted`, so sweeps in several processes never resolve
one twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from tortoise.transactions import in_transaction

from mumble.clock import Clock
from mumble.messages.service import record_outcome
from mumble.models import Account, Customer, IdempotencyRecord, Message, PendingStatus
from mumble.models.states import Direction, MessageStatus
from mumble.settings import Settings

log = logging.getLogger(__name__)

SWEPT_REASON = "Interrupted before WhatsApp answered; not sent"
_PREFIX = "mumble-message:"
_BATCH = 500
# The answer of the send endpoints to a send that went out (templates add their message).
_TEMPLATE_SENT = "Template message sent successfully"


def callback_data(message_id: int) -> str:
    """The biz_opaque_callback_data a send carries: names the message in its status webhooks."""
    return f"{_PREFIX}{message_id}"


def sent_answer(message: Message) -> dict[str, Any]:
    """The 200 body of the send endpoints for a message that was sent."""
    answer: dict[str, Any] = {"success": True}
    if message.template_id is not None:
        answer["message"] = _TEMPLATE_SENT
    return {**answer, "id": message.id, "message_wa_id": message.wamid}


@dataclass(frozen=True)
class SweepResult:
    sent: int = 0
    failed: int = 0
    keys_answered: int = 0
    keys_released: int = 0


async def _resolve(message_id: int, now: dt.datetime, base_url: str) -> MessageStatus | None:
    """Resolve one stale row (locked, still accepted); None when another sweep got there first."""
    async with in_transaction():
        message = (
            await Message.filter(id=message_id, status=MessageStatus.ACCEPTED, wamid__isnull=True)
            .select_for_update()
            .first()
        )
        if message is None:
            return None
        account_id = message.account_id  # type: ignore[attr-defined]
        parked = (
            await PendingStatus.filter(
                account_id=account_id, callback_data=callback_data(message.id)
            )
            .order_by("occurred_at")
            .first()
        )
        customer = await Customer.get(id=message.customer_id)  # type: ignore[attr-defined]
        account = await Account.get(id=account_id)
        if parked is not None:
            await record_outcome(message, customer, account, base_url, now=now, wamid=parked.wamid)
            return MessageStatus.SENT
        await record_outcome(message, customer, account, base_url, now=now, reason=SWEPT_REASON)
        return MessageStatus.FAILED


async def _settle_keys(cutoff: dt.datetime) -> tuple[int, int]:
    """Answer or release the keys still in progress past the lease; (answered, released)."""
    answered = released = 0
    stale = await IdempotencyRecord.filter(status_code__isnull=True, created_at__lte=cutoff).limit(
        _BATCH
    )
    for record in stale:
        message = await Message.get_or_none(id=record.message_id) if record.message_id else None
        if message is not None and message.status == MessageStatus.ACCEPTED:
            continue  # its send is still within its own lease
        if message is not None and message.wamid is not None:
            done = await IdempotencyRecord.filter(id=record.id, status_code__isnull=True).update(
                status_code=200, response=sent_answer(message)
            )
            answered += done
        else:
            released += await IdempotencyRecord.filter(
                id=record.id, status_code__isnull=True
            ).delete()
    return answered, released


async def sweep_stale_sends(now: dt.datetime, lease: dt.timedelta, *, base_url: str) -> SweepResult:
    """Resolve sends `accepted` for longer than `lease` and settle their Idempotency-Keys."""
    cutoff = now - lease
    ids = (
        await Message.filter(
            direction=Direction.OUTBOUND,
            status=MessageStatus.ACCEPTED,
            wamid__isnull=True,
            occurred_at__lte=cutoff,
        )
        .limit(_BATCH)
        .values_list("id", flat=True)
    )
    sent = failed = 0
    for message_id in ids:
        outcome = await _resolve(int(message_id), now, base_url)  # type: ignore[call-overload]
        sent += outcome == MessageStatus.SENT
        failed += outcome == MessageStatus.FAILED
    answered, released = await _settle_keys(cutoff)
    result = SweepResult(sent, failed, answered, released)
    if result != SweepResult():
        log.warning(
            "stale sends swept: %d sent, %d failed; keys: %d answered, %d released",
            sent,
            failed,
            answered,
            released,
        )
    return result


def lease_of(settings: Settings) -> dt.timedelta:
    return dt.timedelta(seconds=settings.send_lease_seconds)


async def sweep_at_start(settings: Settings, clock: Clock) -> None:
    """The start-up pass: a process that crashed before this start left its sends here."""
    try:
        await sweep_stale_sends(clock.now(), lease_of(settings), base_url=settings.public_base_url)
    except Exception:
        # The worker's sweeps retry; a start must not fail for a sweep.
        log.exception("stale send sweep failed at start-up")


async def run_sweeper(settings: Settings, clock: Clock, stop: asyncio.Event | None = None) -> None:
    """Sweep every quarter lease (1 to 60 seconds apart) until `stop` (or cancellation)."""
    lease = lease_of(settings)
    every = min(60.0, max(1.0, lease.total_seconds() / 4))
    stop = stop or asyncio.Event()
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)
        if stop.is_set():
            return
        try:
            await sweep_stale_sends(clock.now(), lease, base_url=settings.public_base_url)
        except Exception:
            # A lost database connection must not end the loop; the next pass retries.
            log.exception("stale send sweep failed")
