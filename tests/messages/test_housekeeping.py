"""Expired idempotency keys and never-claimed parked statuses are purged."""

from __future__ import annotations

import datetime as dt

from mumble.messages.housekeeping import purge_expired
from mumble.models import IdempotencyRecord, PendingStatus
from tests.clock import FrozenClock
from tests.conftest import Tenant
from tests.database import column


async def test_purge_drops_only_what_expired(tenant: Tenant, clock: FrozenClock) -> None:
    now = clock.now()
    account = tenant.account.id
    await IdempotencyRecord.create(
        account_id=account, key="old", fingerprint="x", created_at=now - dt.timedelta(hours=25)
    )
    await IdempotencyRecord.create(
        account_id=account, key="new", fingerprint="x", created_at=now - dt.timedelta(hours=1)
    )
    await PendingStatus.create(
        account_id=account, wamid="w1", status="read", occurred_at=now - dt.timedelta(days=8)
    )
    await PendingStatus.create(
        account_id=account, wamid="w2", status="read", occurred_at=now - dt.timedelta(days=1)
    )
    assert await purge_expired(now) == (1, 1)
    assert column(await IdempotencyRecord.all().values_list("key", flat=True)) == ["new"]
    assert column(await PendingStatus.all().values_list("wamid", flat=True)) == ["w2"]
