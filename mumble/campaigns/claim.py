"""Recipient rows claimed in batches and resolved, each write conditional on who holds them.

A claim moves up to `limit` queued recipients whose `next_attempt_at` has come to `sending`
under a fresh lease token, in one transaction: on PostgreSQL the candidates are read `FOR UPDATE
SKIP LOCKED`, so concurrent runners take disjoint batches without waiting on each other; on
SQLite (one writer, `BEGIN IMMEDIATE`) the transaction alone serialises claimers. The UPDATE
re-checks `status = 'queued'` and the rows won are read back by id and lease.

A recipient leaves `sending` for `sent` only in the transaction that records its message
(`messages.service.record_accepted`), so a `sending` row whose lease ran out has no message:
its worker died before the send was on record, nothing reached Meta, and it is queued again.
After a failed send the recipient is resolved by its message id (the lease is gone by then).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from mumble.models import CampaignRecipient, RecipientStatus


@dataclass(frozen=True)
class Claimed:
    """A recipient this runner holds: send it under `lease`, or give it back."""

    id: int
    customer_id: uuid.UUID | None
    phone: str | None
    row: dict[str, Any] | None


async def claim(
    campaign_id: uuid.UUID, now: dt.datetime, *, limit: int, hold: dt.timedelta
) -> tuple[str, list[Claimed]]:
    """Claim up to `limit` due queued recipients, lowest id first; (lease, what was won)."""
    lease = uuid.uuid4().hex
    async with in_transaction():
        # Model rows, not values_list: Tortoise drops FOR UPDATE from a values query.
        candidates = (
            await CampaignRecipient.filter(
                Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
                campaign_id=campaign_id,
                status=RecipientStatus.QUEUED,
            )
            .order_by("id")
            .limit(limit)
            .select_for_update(skip_locked=True)
            .only("id")
        )
        ids = [row.id for row in candidates]
        if not ids:
            return lease, []
        await CampaignRecipient.filter(id__in=ids, status=RecipientStatus.QUEUED).update(
            status=RecipientStatus.SENDING, lease=lease, locked_until=now + hold, updated_at=now
        )
    rows = (
        await CampaignRecipient.filter(id__in=ids, lease=lease)
        .order_by("id")
        .values("id", "customer_id", "phone", "row")
    )
    return lease, [Claimed(r["id"], r["customer_id"], r["phone"], r["row"]) for r in rows]


async def release_expired(campaign_id: uuid.UUID, now: dt.datetime) -> int:
    """Queue again the recipients whose claim ran out before their message was recorded."""
    return await CampaignRecipient.filter(
        campaign_id=campaign_id, status=RecipientStatus.SENDING, locked_until__lte=now
    ).update(status=RecipientStatus.QUEUED, lease=None, locked_until=None, updated_at=now)


async def give_back(
    ids: Sequence[int], lease: str, now: dt.datetime, *, not_before: dt.datetime | None = None
) -> int:
    """Claimed recipients not sent (paced, paused): queued again, due at `not_before`."""
    if not ids:
        return 0
    return await CampaignRecipient.filter(
        id__in=list(ids), status=RecipientStatus.SENDING, lease=lease
    ).update(
        status=RecipientStatus.QUEUED,
        lease=None,
        locked_until=None,
        next_attempt_at=not_before,
        updated_at=now,
    )


async def skip(ids: Sequence[int], lease: str, reason: str, now: dt.datetime) -> int:
    """Claimed recipients never to be sent, with the reason (one UPDATE for the batch)."""
    if not ids:
        return 0
    return await CampaignRecipient.filter(
        id__in=list(ids), status=RecipientStatus.SENDING, lease=lease
    ).update(status=RecipientStatus.SKIPPED, skip_reason=reason, lease=None, updated_at=now)


async def refuse(recipient_id: int, lease: str, message: str, now: dt.datetime) -> int:
    """A claimed recipient the send refused before recording anything: failed with why."""
    return await CampaignRecipient.filter(
        id=recipient_id, status=RecipientStatus.SENDING, lease=lease
    ).update(status=RecipientStatus.FAILED, error_message=message, lease=None, updated_at=now)


async def sent_message(recipient_id: int) -> int | None:
    """The message recorded for the recipient, when its send got that far."""
    found = await CampaignRecipient.get_or_none(id=recipient_id, status=RecipientStatus.SENT).only(
        "id", "message_id"
    )
    return found.message_id if found is not None else None


async def failed(
    recipient_id: int,
    message_id: int,
    now: dt.datetime,
    *,
    code: int | None,
    message: str | None,
    skip_reason: str | None = None,
) -> int:
    """Meta refused the recipient's message: failed with Meta's code and message."""
    return await CampaignRecipient.filter(
        id=recipient_id, status=RecipientStatus.SENT, message_id=message_id
    ).update(
        status=RecipientStatus.FAILED,
        error_code=code,
        error_message=message,
        skip_reason=skip_reason,
        updated_at=now,
    )


async def retry_later(
    recipient_id: int,
    message_id: int,
    now: dt.datetime,
    not_before: dt.datetime,
    *,
    code: int | None,
    message: str | None,
) -> int:
    """Meta pushed back on the recipient's message: queued again for a new message (the failed
    one stays on record with the campaign's id)."""
    return await CampaignRecipient.filter(
        id=recipient_id, status=RecipientStatus.SENT, message_id=message_id
    ).update(
        status=RecipientStatus.QUEUED,
        message_id=None,
        next_attempt_at=not_before,
        error_code=code,
        error_message=message,
        updated_at=now,
    )
