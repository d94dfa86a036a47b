"""Campaigns made directly in the database (create-campaign is another lane's), and watching
them run: the rows a create would store, then the runner woken as create-campaign wakes it."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

from tortoise.transactions import in_transaction

from mumble.campaigns import progress
from mumble.campaigns.runner import CampaignRunner
from mumble.db.listener import Topic, announce
from mumble.models import Campaign, CampaignRecipient, CampaignStatus, Customer, Event
from tests.conftest import Tenant

START = dt.datetime(2026, 6, 29, 12, 0, tzinfo=dt.UTC)


async def customers(
    tenant: Tenant, count: int, *, first: int = 972500000001, **fields: Any
) -> list[Customer]:
    """`count` customers of the tenant with consecutive phones, named by their number."""
    made = []
    for n in range(count):
        phone = str(first + n)
        made.append(
            await Customer.create(
                account_id=tenant.account.id, phone=phone, name=f"Customer {n + 1}", **fields
            )
        )
    return made


async def campaign(
    tenant: Tenant,
    template_id: str,
    audience: list[Customer],
    *,
    values: dict[str, Any] | None = None,
    status: CampaignStatus = CampaignStatus.RUNNING,
    send_at: dt.datetime | None = None,
    max_per_second: float | None = None,
    rows: list[dict[str, str]] | None = None,
    now: dt.datetime = START,
    wake: bool = True,
) -> Campaign:
    """A campaign of `template_id` to `audience` (in order), as create-campaign stores it."""
    async with in_transaction():
        made = await Campaign.create(
            account_id=tenant.account.id,
            name="Test campaign",
            template_id=uuid.UUID(template_id),
            audience={"phones": [c.phone for c in audience]},
            values=values or {},
            status=status,
            send_at=send_at or now,
            max_per_second=max_per_second,
            recipients=len(audience),
            created_at=now,
            updated_at=now,
        )
        await CampaignRecipient.bulk_create(
            [
                CampaignRecipient(
                    campaign_id=made.id,
                    customer_id=c.id,
                    phone=c.phone,
                    row=rows[i] if rows else None,
                    updated_at=now,
                )
                for i, c in enumerate(audience)
            ]
        )
        if wake:
            await announce(Topic.CAMPAIGNS)
    return made


async def wake() -> None:
    """What create-campaign and resume-campaign do: every runner makes a pass now."""
    await announce(Topic.CAMPAIGNS)


async def until(
    campaign_id: uuid.UUID, *statuses: CampaignStatus, seconds: float = 20.0
) -> Campaign:
    """The campaign once it is in one of `statuses` (fails after `seconds`)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        row = await Campaign.get(id=campaign_id)
        if row.status in statuses:
            return row
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"campaign still {row.status}, wanted {statuses}")
        await asyncio.sleep(0.02)


async def recipients(campaign_id: uuid.UUID) -> list[CampaignRecipient]:
    return await CampaignRecipient.filter(campaign_id=campaign_id).order_by("id")


async def events(tenant: Tenant, prefix: str) -> list[Event]:
    """The tenant's events whose type starts with `prefix`, in order."""
    rows = await Event.filter(account_id=tenant.account.id).order_by("seq")
    return [e for e in rows if e.type.startswith(prefix)]


async def every_campaign_event(
    tenant: Tenant, template_id: str, runner: CampaignRunner, now: dt.datetime
) -> None:
    """campaign.started and campaign.completed (a campaign run to its end by `runner`), and
    campaign.paused (a second one paused at the messaging limit)."""
    done = await campaign(tenant, template_id, await customers(tenant, 1, first=972590000001))
    while (await Campaign.get(id=done.id)).status != CampaignStatus.COMPLETED:
        await runner.run_once()
    limited = await campaign(tenant, template_id, [], wake=False)
    await progress.start_due(now)
    await progress.pause(limited.id, progress.MESSAGING_LIMIT, now)
