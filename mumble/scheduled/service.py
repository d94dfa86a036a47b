"""Scheduled sends in the database: stored, listed, cancelled, claimed once, resolved.

A claim is one conditional UPDATE (`scheduled` -> `sending` with a lease token, only while the
row is still `scheduled`), so of any number of workers on any database exactly one wins a row,
and a cancel racing a claim either cancels it or finds it already `sending`. A worker that dies
mid-send leaves the row `sending`; once its lease has run out the row becomes `failed`
("interrupted") instead of being sent again: Meta may already have the message, and a second
copy is worse than a reported failure.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from tortoise.expressions import Q

from mumble.clock import rfc3339
from mumble.errors import Conflict, NotFound, Refusal
from mumble.models import ScheduledMessage, ScheduledStatus

NOT_FOUND = Refusal(NotFound, "Scheduled message not found")
NOT_CANCELLABLE = Refusal(Conflict, "Scheduled message is {status} and cannot be cancelled")
PER_PAGE = 50
LEASE = dt.timedelta(minutes=5)
INTERRUPTED = "Send interrupted (the worker stopped before Meta answered); not retried"


@dataclass(frozen=True)
class Due:
    """A send this worker has claimed: make it, then record how it went."""

    id: uuid.UUID
    account_id: uuid.UUID
    customer_phone: str | None
    template_id: str
    request: dict[str, Any]
    lease: str


async def create(
    account_id: uuid.UUID,
    phone: str | None,
    template_id: str,
    request: dict[str, Any],
    send_at: dt.datetime,
    now: dt.datetime,
    *,
    user_id: str | None = None,
) -> ScheduledMessage:
    """Store a send for `send_at` (already checked) to the customer with this phone, or else
    with this business-scoped user id."""
    return await ScheduledMessage.create(
        account_id=account_id,
        customer_phone=phone,
        customer_user_id=user_id,
        template_id=template_id,
        request=request,
        send_at=send_at,
        created_at=now,
        updated_at=now,
    )


def view(row: ScheduledMessage) -> dict[str, Any]:
    """A scheduled send as get-scheduled-messages shows it."""
    return {
        "id": str(row.id),
        "customer_phone": row.customer_phone,
        "customer_user_id": row.customer_user_id,
        "template_id": row.template_id,
        "send_at": rfc3339(row.send_at),
        "status": ScheduledStatus(row.status).value,
        "message_id": row.message_id,
        "error": row.error,
        "created_at": rfc3339(row.created_at),
    }


async def list_page(account_id: uuid.UUID, page: int, status: str | None) -> dict[str, Any]:
    """One page of the account's scheduled sends, soonest first."""
    query = ScheduledMessage.filter(account_id=account_id)
    if status is not None:
        query = query.filter(status=status)
    total = await query.count()
    rows = await query.order_by("send_at", "id").offset((page - 1) * PER_PAGE).limit(PER_PAGE)
    return {
        "scheduled_messages": [view(row) for row in rows],
        "page": page,
        "total": total,
        "per_page": PER_PAGE,
    }


def _uuid(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw.strip())
    except ValueError:
        return None


async def cancel(account_id: uuid.UUID, raw_id: str, now: dt.datetime) -> ScheduledMessage:
    """Cancel one of the account's sends still `scheduled`; 404 unknown, 409 too late."""
    row_id = _uuid(raw_id)
    row = None
    if row_id is not None:
        row = await ScheduledMessage.get_or_none(id=row_id, account_id=account_id)
    if row is None:
        raise NOT_FOUND()
    done = await ScheduledMessage.filter(id=row.id, status=ScheduledStatus.SCHEDULED).update(
        status=ScheduledStatus.CANCELLED, updated_at=now
    )
    await row.refresh_from_db()
    if not done:
        raise NOT_CANCELLABLE(status=ScheduledStatus(row.status).value)
    return row


async def claim_due(now: dt.datetime, *, limit: int) -> list[Due]:
    """Claim up to `limit` sends due at `now`, soonest first; each row goes to one claimer.
    Sends left `sending` past their lease are failed on the way (one query when idle)."""
    candidates = (
        await ScheduledMessage.filter(
            Q(status=ScheduledStatus.SCHEDULED, send_at__lte=now)
            | Q(status=ScheduledStatus.SENDING, locked_until__lte=now)
        )
        .order_by("send_at", "id")
        .limit(limit)
    )
    claimed = []
    for row in candidates:
        if row.status == ScheduledStatus.SENDING:
            await ScheduledMessage.filter(
                id=row.id, status=ScheduledStatus.SENDING, lease=row.lease
            ).update(status=ScheduledStatus.FAILED, error=INTERRUPTED, lease=None, updated_at=now)
            continue
        lease = uuid.uuid4().hex
        won = await ScheduledMessage.filter(id=row.id, status=ScheduledStatus.SCHEDULED).update(
            status=ScheduledStatus.SENDING, lease=lease, locked_until=now + LEASE, updated_at=now
        )
        if won:
            claimed.append(
                Due(
                    row.id,
                    row.account_id,  # type: ignore[attr-defined]
                    row.customer_phone,
                    row.template_id,
                    row.request,
                    lease,
                )
            )
    return claimed


async def record(
    due: Due, now: dt.datetime, *, message_id: int | None = None, error: str | None = None
) -> bool:
    """The outcome of a claimed send, written only while this claim still holds."""
    status = ScheduledStatus.FAILED if error is not None else ScheduledStatus.SENT
    updated = await ScheduledMessage.filter(
        id=due.id, status=ScheduledStatus.SENDING, lease=due.lease
    ).update(status=status, message_id=message_id, error=error, lease=None, updated_at=now)
    return bool(updated)


async def postpone(due: Due, until: dt.datetime, now: dt.datetime) -> bool:
    """A claimed send the pacer could not take: scheduled again for `until` (its new send_at),
    written only while this claim still holds."""
    updated = await ScheduledMessage.filter(
        id=due.id, status=ScheduledStatus.SENDING, lease=due.lease
    ).update(
        status=ScheduledStatus.SCHEDULED,
        send_at=until,
        lease=None,
        locked_until=None,
        updated_at=now,
    )
    return bool(updated)
