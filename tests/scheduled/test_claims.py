"""Claims: each due send goes to one claimer; one left `sending` past its lease is failed."""

from __future__ import annotations

import asyncio
import datetime as dt

from mumble.models import ScheduledMessage
from mumble.scheduled import rules, service
from tests.conftest import Tenant

NOW = dt.datetime(2026, 6, 29, 12, 0, tzinfo=dt.UTC)


async def _row(tenant: Tenant, send_at: dt.datetime) -> ScheduledMessage:
    return await service.create(tenant.account.id, "972501234567", "t", {}, send_at, NOW)


async def test_concurrent_claimers_share_nothing(tenant: Tenant) -> None:
    rows = [await _row(tenant, NOW + dt.timedelta(minutes=i + 1)) for i in range(5)]
    later = NOW + dt.timedelta(hours=1)
    results = await asyncio.gather(*(service.claim_due(later, limit=10) for _ in range(4)))
    claimed = [due.id for result in results for due in result]
    assert sorted(claimed) == sorted(row.id for row in rows)
    assert await service.claim_due(later, limit=10) == []


async def test_a_send_left_sending_past_its_lease_fails_and_is_never_claimed_again(
    tenant: Tenant,
) -> None:
    row = await _row(tenant, NOW + dt.timedelta(minutes=1))
    due_at = NOW + dt.timedelta(minutes=2)
    (due,) = await service.claim_due(due_at, limit=10)
    assert await service.claim_due(due_at + service.LEASE / 2, limit=10) == []
    after_lease = due_at + service.LEASE
    assert await service.claim_due(after_lease, limit=10) == []
    stored = await ScheduledMessage.get(id=row.id)
    assert (stored.status, stored.error) == ("failed", service.INTERRUPTED)
    # The dead worker's late answer is not written over the failure.
    assert not await service.record(due, after_lease, message_id=1)
    assert (await ScheduledMessage.get(id=row.id)).message_id is None


def test_send_at_bounds_with_the_clock_injected() -> None:
    assert rules.check_send_at(NOW + dt.timedelta(seconds=1), now=NOW) == NOW + dt.timedelta(
        seconds=1
    )
    assert rules.check_send_at(NOW + rules.MAX_AHEAD, now=NOW) == NOW + rules.MAX_AHEAD
    offset = dt.datetime(2026, 6, 29, 15, 0, tzinfo=dt.timezone(dt.timedelta(hours=3)))
    assert rules.check_send_at(offset + dt.timedelta(minutes=1), now=NOW).tzinfo == dt.UTC
