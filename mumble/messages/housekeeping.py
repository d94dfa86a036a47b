"""Forgetting what no longer matters: expired idempotency keys, statuses nobody will claim."""

from __future__ import annotations

import datetime as dt

from mumble.idempotency import TTL
from mumble.models import IdempotencyRecord, PendingStatus

# Meta retries a webhook for up to 7 days: a parked status older than that has no send coming.
PENDING_STATUS_TTL = dt.timedelta(days=7)


async def purge_expired(now: dt.datetime) -> tuple[int, int]:
    """Delete idempotency records past 24 hours and parked statuses past 7 days; the counts."""
    keys = await IdempotencyRecord.filter(created_at__lte=now - TTL).delete()
    parked = await PendingStatus.filter(occurred_at__lte=now - PENDING_STATUS_TTL).delete()
    return keys, parked
