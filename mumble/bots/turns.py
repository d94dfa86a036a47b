"""The bot turn queue: written with the inbound message, claimed once, finished with an outcome.

An inbound message of a customer a bot owns becomes a turn in the message's own transaction, so
a message stored is a turn queued (and a redelivered message, stored once, is one turn). A claim
is a conditional UPDATE (pending -> claimed with a lease token, or an expired claim taken over)
on rows read with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so any number of workers share the
queue and each turn runs in one of them at a time. A customer's turns run in order: a turn is
claimable only when no earlier due turn of that customer is still open. A worker killed mid-turn
leaves its claim to expire; the next claimer re-runs the turn from the session's recorded step.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from mumble.models import BotTurn, Customer, Message, TurnKind, TurnStatus
from mumble.models.states import BotMode

LEASE = dt.timedelta(seconds=60)
BOT_OWNED = (BotMode.FLOW, BotMode.AI)


@dataclass(frozen=True)
class Claimed:
    """A turn this worker holds: run it, then `finish` it with its lease."""

    id: int
    account_id: uuid.UUID
    customer_id: uuid.UUID
    kind: TurnKind
    message_id: int | None
    session_id: uuid.UUID | None
    wait_step: int | None
    lease: str
    attempts: int


async def on_inbound(customer: Customer, message: Message, now: dt.datetime) -> None:
    """In the inbound message's transaction: queue a turn when a bot owns the customer."""
    if customer.bot_mode not in BOT_OWNED:
        return
    await BotTurn.create(
        account_id=customer.account_id,  # type: ignore[attr-defined]
        customer_id=customer.id,
        kind=TurnKind.INBOUND,
        message_id=message.id,
        due_at=now,
        created_at=now,
        updated_at=now,
    )


async def add_timeout(
    account_id: uuid.UUID,
    customer_id: uuid.UUID,
    session_id: uuid.UUID,
    wait_step: int,
    due_at: dt.datetime,
    now: dt.datetime,
) -> None:
    """A wait's timeout, due at `due_at` (in the caller's transaction, with the wait itself)."""
    await BotTurn.create(
        account_id=account_id,
        customer_id=customer_id,
        kind=TurnKind.TIMEOUT,
        session_id=session_id,
        wait_step=wait_step,
        due_at=due_at,
        created_at=now,
        updated_at=now,
    )


def _open_due(now: dt.datetime) -> Q:
    pending = Q(status=TurnStatus.PENDING, due_at__lte=now) & (
        Q(retry_at__isnull=True) | Q(retry_at__lte=now)
    )
    return pending | Q(status=TurnStatus.CLAIMED, locked_until__lte=now)


async def claim(now: dt.datetime, *, limit: int, lease: dt.timedelta = LEASE) -> list[Claimed]:
    """Claim up to `limit` due turns, oldest first, at most one per customer."""
    claimed: list[Claimed] = []
    seen: set[uuid.UUID] = set()
    async with in_transaction():
        rows = (
            await BotTurn.filter(_open_due(now))
            .order_by("due_at", "id")
            .limit(limit * 4)
            .select_for_update(skip_locked=True)
        )
        for row in rows:
            customer_id = row.customer_id  # type: ignore[attr-defined]
            if customer_id in seen or len(claimed) >= limit:
                continue
            seen.add(customer_id)
            earlier = await BotTurn.filter(
                Q(customer_id=customer_id, due_at__lte=now)
                & Q(status__in=(TurnStatus.PENDING, TurnStatus.CLAIMED))
                & (Q(due_at__lt=row.due_at) | Q(due_at=row.due_at, id__lt=row.id))
            ).exists()
            if earlier:
                continue
            token = uuid.uuid4().hex
            won = await BotTurn.filter(id=row.id, status=row.status, lease=row.lease).update(
                status=TurnStatus.CLAIMED,
                lease=token,
                locked_until=now + lease,
                attempts=F("attempts") + 1,
                updated_at=now,
            )
            if won:
                claimed.append(
                    Claimed(
                        row.id,
                        row.account_id,  # type: ignore[attr-defined]
                        customer_id,
                        TurnKind(row.kind),
                        row.message_id,
                        row.session_id,
                        row.wait_step,
                        token,
                        row.attempts + 1,
                    )
                )
    return claimed


async def finish(turn: Claimed, outcome: str, now: dt.datetime) -> bool:
    """Mark the turn done with its outcome, only while this worker still holds it."""
    done = await BotTurn.filter(id=turn.id, lease=turn.lease, status=TurnStatus.CLAIMED).update(
        status=TurnStatus.DONE, outcome=outcome[:64], lease=None, updated_at=now
    )
    return bool(done)


async def retry_at(turn: Claimed, at: dt.datetime, outcome: str, now: dt.datetime) -> None:
    """Give the turn back, to run again from `at` (a paced send, a passing failure); the
    customer's later turns keep waiting behind it."""
    await BotTurn.filter(id=turn.id, lease=turn.lease, status=TurnStatus.CLAIMED).update(
        status=TurnStatus.PENDING,
        retry_at=at,
        outcome=outcome[:64],
        lease=None,
        locked_until=None,
        updated_at=now,
    )
