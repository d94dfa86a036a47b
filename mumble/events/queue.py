"""The delivery queue: claiming due deliveries under a lease, and recording each outcome.

Claiming happens in one short transaction: due rows are selected with
`SELECT ... FOR UPDATE SKIP LOCKED` (PostgreSQL; several workers never take the same row), marked
in_flight with a lease token and a lease deadline, and committed. The HTTP call happens after
the commit. A worker killed at any point leaves its rows in_flight; once the lease has run out
they are due again, so nothing is lost (delivery is at least once).

Order per customer: a row is only claimable when no earlier row (lower event_seq) of the same
endpoint and customer is still pending, failed (retry scheduled) or in flight.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import uuid

from tortoise.expressions import F, Q, RawSQL, Subquery
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from mumble.events.sender import Outcome
from mumble.models.states import DeliveryStatus
from mumble.models.webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint

# Delay before each retry after a failed attempt (Standard Webhooks' suggested schedule):
# 8 attempts over about 28 hours. After the last one the delivery is dead.
RETRY_DELAYS: tuple[dt.timedelta, ...] = (
    dt.timedelta(seconds=5),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=5),
    dt.timedelta(hours=10),
    dt.timedelta(hours=10),
)
JITTER = 0.2  # each delay is stretched or shrunk by up to 20% so retries do not stampede
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
DISABLE_AFTER_FAILED_EVENTS = 10
ACTIVE = DeliveryStatus.active()
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

_ACTIVE_SQL = ", ".join(f"'{status.value}'" for status in ACTIVE)
# Correlated with the outer (unaliased) webhook_delivery row; only constants, no input.
_BLOCKED = RawSQL(
    "EXISTS (SELECT 1 FROM webhook_delivery AS earlier"
    " WHERE earlier.endpoint_id = webhook_delivery.endpoint_id"
    " AND earlier.customer_id = webhook_delivery.customer_id"
    " AND earlier.event_seq < webhook_delivery.event_seq"
    f" AND earlier.status IN ({_ACTIVE_SQL}))"
)


@dataclasses.dataclass(frozen=True)
class Claim:
    """A delivery leased to this worker: send it, then report with `record_outcome`."""

    delivery_id: int
    lease: str
    attempt: int


def retry_delay(attempt: int, rng: random.Random) -> dt.timedelta | None:
    """The wait after failed attempt number `attempt` (1-based), jittered; None when exhausted."""
    if attempt >= MAX_ATTEMPTS:
        return None
    base = RETRY_DELAYS[attempt - 1]
    return base * rng.uniform(1 - JITTER, 1 + JITTER)


async def claim_due(now: dt.datetime, *, limit: int, lease_seconds: int) -> list[Claim]:
    """Lease up to `limit` due deliveries of enabled endpoints, oldest event first."""
    due = Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED]) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    expired = Q(status=DeliveryStatus.IN_FLIGHT, locked_until__lte=now)
    lease = uuid.uuid4().hex
    async with in_transaction():
        rows = (
            await WebhookDelivery.filter(due | expired)
            .filter(endpoint_id__in=Subquery(WebhookEndpoint.filter(enabled=True).values("id")))
            .annotate(blocked=_BLOCKED)
            .filter(blocked=False)
            .order_by("event_seq", "id")
            .limit(limit)
            .select_for_update(skip_locked=True)
            # Model rows, not .values(): Tortoise drops FOR UPDATE from a values() query.
            .only("id", "attempts")
        )
        if not rows:
            return []
        await WebhookDelivery.filter(id__in=[row.id for row in rows]).update(
            status=DeliveryStatus.IN_FLIGHT,
            lease=lease,
            locked_until=now + dt.timedelta(seconds=lease_seconds),
        )
    return [Claim(row.id, lease, row.attempts + 1) for row in rows]


async def depth() -> dict[str, int]:
    """How many deliveries are still to be made, by status (pending, failed, in_flight)."""
    rows = (
        await WebhookDelivery.filter(status__in=ACTIVE)
        .annotate(n=Count("id"))
        .group_by("status")
        .values_list("status", "n")
    )
    return {str(status): int(n) for status, n in rows}


async def release_all_leases() -> int:
    """Make every in_flight row due again (only safe when no other worker can be running)."""
    return await WebhookDelivery.filter(status=DeliveryStatus.IN_FLIGHT).update(locked_until=_EPOCH)


async def record_outcome(
    claim: Claim, outcome: Outcome, now: dt.datetime, rng: random.Random
) -> str | None:
    """Store the attempt and move the delivery on; returns its new status, or None when the lease
    was lost (another worker took the row after our lease ran out, and its result counts)."""
    delivery = await WebhookDelivery.get_or_none(id=claim.delivery_id).values(
        "endpoint_id", "lease", "status"
    )
    if (
        delivery is None
        or delivery["lease"] != claim.lease
        or delivery["status"] != DeliveryStatus.IN_FLIGHT
    ):
        return None
    endpoint_id = delivery["endpoint_id"]
    changes: dict[str, object] = {
        "attempts": claim.attempt,
        "lease": None,
        "locked_until": None,
        "last_status_code": outcome.status_code,
        "last_latency_ms": outcome.latency_ms,
        "last_error": outcome.error,
    }
    if outcome.ok:
        status = DeliveryStatus.DELIVERED
        changes.update(status=status, delivered_at=now, next_attempt_at=None)
    else:
        delay = retry_delay(claim.attempt, rng)
        status = DeliveryStatus.DEAD if delay is None else DeliveryStatus.FAILED
        changes.update(status=status, next_attempt_at=None if delay is None else now + delay)
    async with in_transaction():
        updated = await WebhookDelivery.filter(
            id=claim.delivery_id, lease=claim.lease, status=DeliveryStatus.IN_FLIGHT
        ).update(**changes)
        if not updated:
            return None
        await WebhookAttempt.create(
            delivery_id=claim.delivery_id,
            endpoint_id=endpoint_id,
            number=claim.attempt,
            attempted_at=now,
            succeeded=outcome.ok,
            status_code=outcome.status_code,
            latency_ms=outcome.latency_ms,
            error=outcome.error,
        )
        if outcome.ok:
            await WebhookEndpoint.filter(id=endpoint_id, consecutive_failures__gt=0).update(
                consecutive_failures=0
            )
        elif status == DeliveryStatus.DEAD:
            await _count_failed_event(endpoint_id, outcome, now)
    return status


async def _count_failed_event(endpoint_id: uuid.UUID, outcome: Outcome, now: dt.datetime) -> None:
    """One more event exhausted its retries; the tenth in a row disables the endpoint."""
    await WebhookEndpoint.filter(id=endpoint_id).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    reason = (
        f"Disabled after {DISABLE_AFTER_FAILED_EVENTS} consecutive failed events"
        f" (last error: {outcome.error})"
    )
    await WebhookEndpoint.filter(
        id=endpoint_id, enabled=True, consecutive_failures__gte=DISABLE_AFTER_FAILED_EVENTS
    ).update(enabled=False, disabled_reason=reason[:500], disabled_at=now)
