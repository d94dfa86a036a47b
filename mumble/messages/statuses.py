"""Delivery statuses from Meta's webhooks applied to stored messages, monotonically.

Meta retries and reorders status webhooks (developers.facebook.com/documentation/business-messaging/
whatsapp/webhooks/reference/messages/status): the same status twice changes nothing, a late
`delivered` never replaces `read` (a `read` that comes first records the `delivered` event it
implies, before its own), and a status for a wamid we have not recorded yet is parked in
PendingStatus and applied when the send is recorded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mumble.events.outbox import record_event
from mumble.messages.views import event_data
from mumble.models import Account, Customer, Message, PendingStatus
from mumble.models.states import Direction, MessageStatus
from mumble.observability import metrics

# A status only ever moves up this ladder; `failed` is terminal.
RANK = {
    MessageStatus.ACCEPTED: 0,
    MessageStatus.SENT: 1,
    MessageStatus.DELIVERED: 2,
    MessageStatus.READ: 3,
    MessageStatus.FAILED: 4,
}
# The rungs a delivery climbs; an integrator counting deliveries sees each one once.
LADDER = (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.READ)
# "played" (first play of a voice note) means the customer has heard it: read.
ALIASES = {"played": MessageStatus.READ}
_TIMESTAMPS = {
    MessageStatus.SENT: "sent_at",
    MessageStatus.DELIVERED: "delivered_at",
    MessageStatus.READ: "read_at",
    MessageStatus.FAILED: "failed_at",
}


@dataclass(frozen=True)
class StatusUpdate:
    wamid: str
    status: MessageStatus
    occurred_at: dt.datetime
    error_code: int | None = None
    error_message: str | None = None
    # The send's biz_opaque_callback_data, as Meta echoes it.
    callback_data: str | None = None


def normalise_status(raw: object) -> MessageStatus | None:
    """Meta's status word as ours (sent/delivered/read/failed), or None when we do not track it."""
    if not isinstance(raw, str):
        return None
    word = ALIASES.get(raw, raw)
    return next((status for status in _TIMESTAMPS if status == word), None)


def rungs(current: MessageStatus, target: MessageStatus) -> list[MessageStatus]:
    """The statuses a message passes moving from `current` up to `target`, in order.

    Meta reorders status webhooks, so a read can arrive before its delivered: the skipped rungs
    are passed too (each gets its event). `failed` skips nothing: it is no delivery.
    """
    if target == MessageStatus.FAILED:
        return [target]
    low, high = RANK.get(current, 0), RANK[target]
    return [rung for rung in LADDER if low < RANK[rung] <= high]


@dataclass(frozen=True)
class Step:
    """What one update did to a message in memory: the fields it set and the rungs it passed."""

    changed: list[str]
    passed: list[MessageStatus]

    @property
    def moved(self) -> bool:
        return bool(self.passed)


def step(message: Message, update: StatusUpdate) -> Step:
    """Apply one update to `message` in memory (no I/O): the rules every path shares.

    The timestamp of a status is set once (the first report wins), even when the status itself
    does not move (a late `delivered` after `read`); the status only climbs, `failed` is
    terminal and carries Meta's error; each rung passed gets its own event.
    """
    if message.direction != Direction.OUTBOUND:
        return Step([], [])
    changed: list[str] = []
    stamp = _TIMESTAMPS[update.status]
    if getattr(message, stamp) is None:
        # Record when it happened even when the status itself does not move (read came first).
        setattr(message, stamp, update.occurred_at)
        changed.append(stamp)
    moved = RANK[update.status] > RANK.get(message.status, 0)
    passed = rungs(message.status, update.status) if moved else []
    if moved:
        message.status = update.status
        changed.append("status")
        if update.status == MessageStatus.FAILED:
            message.error_code = update.error_code
            # Tortoise types TextField as str even when null=True.
            message.error_message = update.error_message  # type: ignore[assignment]
            changed += ["error_code", "error_message"]
    return Step(changed, passed)


async def _apply(message: Message, update: StatusUpdate, now: dt.datetime, base_url: str) -> bool:
    """Apply one update to a locked message inside the caller's transaction; True if it moved."""
    done = step(message, update)
    if not done.changed:
        return False
    await message.save(update_fields=[*done.changed, "updated_at"])
    if done.moved:
        customer = await Customer.get(id=message.customer_id)  # type: ignore[attr-defined]
        account = await Account.get(id=message.account_id)  # type: ignore[attr-defined]
        data = event_data(message, customer, account, base_url=base_url)
        for rung in done.passed:
            metrics.count_message(Direction.OUTBOUND, rung)
            await record_event(
                account.id,
                f"message.{rung}",
                {**data, "status": rung},
                now=now,
                customer_id=customer.id,
            )
    return done.moved


async def _serialised(account_id: uuid.UUID, wamid: str) -> None:
    """Wait, inside the caller's transaction, for any other one applying statuses to `wamid`.

    Without it a status could park while the send that records its wamid is still uncommitted:
    the send does not see the parked row, the status does not see the wamid, and the status
    stays parked. PostgreSQL only: SQLite runs one transaction at a time.
    """
    db = Message._meta.db
    if db.capabilities.dialect != "postgres":
        return
    digest = hashlib.blake2b(f"{account_id}:{wamid}".encode(), digest_size=8).digest()
    key = int.from_bytes(digest, "big", signed=True)
    await db.execute_query("SELECT pg_advisory_xact_lock($1)", [key])


async def _locked(account_id: uuid.UUID, wamid: str) -> Message | None:
    return await Message.filter(account_id=account_id, wamid=wamid).select_for_update().first()


async def apply_status(
    account_id: uuid.UUID, update: StatusUpdate, now: dt.datetime, *, base_url: str
) -> bool:
    """Apply a status webhook; an unknown wamid is parked. True when the status moved."""
    async with in_transaction():
        await _serialised(account_id, update.wamid)
        message = await _locked(account_id, update.wamid)
        if message is not None:
            return await _apply(message, update, now, base_url)
        try:
            async with in_transaction():
                await PendingStatus.create(
                    account_id=account_id,
                    wamid=update.wamid,
                    status=update.status,
                    occurred_at=update.occurred_at,
                    error_code=update.error_code,
                    error_message=update.error_message,
                    callback_data=update.callback_data,
                )
        except IntegrityError:
            pass  # the same status for the same wamid is already parked
    # The send may have been recorded between our read and our insert.
    return await apply_pending(account_id, update.wamid, now, base_url=base_url)


async def apply_pending(
    account_id: uuid.UUID, wamid: str, now: dt.datetime, *, base_url: str = ""
) -> bool:
    """Apply and drop the statuses parked for `wamid` once its message exists."""
    if not await PendingStatus.exists(account_id=account_id, wamid=wamid):
        return False
    async with in_transaction():
        await _serialised(account_id, wamid)
        message = await _locked(account_id, wamid)
        if message is None:
            return False
        return await apply_parked(message, now, base_url=base_url)


async def apply_parked(message: Message, now: dt.datetime, *, base_url: str) -> bool:
    """Apply and drop the statuses parked for `message.wamid`, inside the caller's transaction.

    The send calls this in the transaction that records the wamid: a status webhook for the
    wamid either parked (and committed) before, or waits behind this transaction and then finds
    the message, so parked `delivered` is applied before a `read` that arrived after it.
    """
    if message.wamid is None:
        return False
    account_id = message.account_id  # type: ignore[attr-defined]
    await _serialised(account_id, message.wamid)
    parked = await PendingStatus.filter(account_id=account_id, wamid=message.wamid)
    moved = False
    for row in sorted(parked, key=lambda p: RANK[p.status]):
        update = StatusUpdate(
            message.wamid, row.status, row.occurred_at, row.error_code, row.error_message
        )
        moved = await _apply(message, update, now, base_url) or moved
    if parked:
        await PendingStatus.filter(id__in=[row.id for row in parked]).delete()
    return moved
