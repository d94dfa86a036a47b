"""Pause, resume and cancel take effect between batches; a scheduled campaign starts when due;
a template turning PAUSED or DISABLED pauses its campaigns with that reason."""

from __future__ import annotations

import asyncio
import datetime as dt

import httpx
import pytest

from mumble.models import Campaign, CampaignStatus, RecipientStatus
from tests.campaigns import factory
from tests.clock import FrozenClock
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import sent_to_meta
from tests.templates.support import approved_template, set_status


async def _until_sent(sandbox: SandboxHandle, tenant: Tenant, count: int) -> int:
    for _ in range(1000):
        sent = len(await sent_to_meta(sandbox, tenant))
        if sent >= count:
            return sent
        await asyncio.sleep(0.01)
    raise AssertionError(f"fewer than {count} sent")


async def _steady(sandbox: SandboxHandle, tenant: Tenant) -> int:
    """How many were sent once sending has stopped (unchanged for a second)."""
    before = len(await sent_to_meta(sandbox, tenant))
    while True:
        await asyncio.sleep(1.0)
        now = len(await sent_to_meta(sandbox, tenant))
        if now == before:
            return now
        before = now


async def _set(campaign: Campaign, status: CampaignStatus) -> None:
    """What pause-, resume- and cancel-campaign do to the row (another lane's endpoints)."""
    await Campaign.filter(id=campaign.id).update(status=status)
    if status == CampaignStatus.RUNNING:
        await factory.wake()


async def test_a_paused_campaign_stops_and_resumes_where_it_stopped(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await approved_template(client, sandbox, tenant, name="notice", body="Notice")
    people = await factory.customers(tenant, 30)
    campaign = await factory.campaign(tenant, template["id"], people, max_per_second=10)
    await _until_sent(sandbox, tenant, 3)
    await _set(campaign, CampaignStatus.PAUSED)
    stopped_at = await _steady(sandbox, tenant)
    assert stopped_at < 30
    rows = await factory.recipients(campaign.id)
    assert sum(r.status == RecipientStatus.SENT for r in rows) == stopped_at
    assert {r.status for r in rows} <= {RecipientStatus.SENT, RecipientStatus.QUEUED}

    await _set(campaign, CampaignStatus.RUNNING)
    await factory.until(campaign.id, CampaignStatus.COMPLETED)
    sent = await sent_to_meta(sandbox, tenant)
    assert sorted(m["to"].lstrip("+") for m in sent) == sorted(str(c.phone) for c in people)


async def test_a_cancelled_campaign_sends_nothing_more(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await approved_template(client, sandbox, tenant, name="notice", body="Notice")
    people = await factory.customers(tenant, 30)
    campaign = await factory.campaign(tenant, template["id"], people, max_per_second=10)
    await _until_sent(sandbox, tenant, 3)
    await _set(campaign, CampaignStatus.CANCELLED)
    stopped_at = await _steady(sandbox, tenant)
    assert stopped_at < 30
    await asyncio.sleep(1.0)
    assert len(await sent_to_meta(sandbox, tenant)) == stopped_at
    row = await Campaign.get(id=campaign.id)
    assert row.status == CampaignStatus.CANCELLED
    kinds = [e.type for e in await factory.events(tenant, "campaign.")]
    assert kinds == ["campaign.started"]


async def test_max_per_second_caps_the_send_rate(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await approved_template(client, sandbox, tenant, name="notice", body="Notice")
    people = await factory.customers(tenant, 12)
    started = asyncio.get_running_loop().time()
    campaign = await factory.campaign(tenant, template["id"], people, max_per_second=10)
    await factory.until(campaign.id, CampaignStatus.COMPLETED)
    # 12 sends spaced by 0.1 s take at least 1.1 s.
    assert asyncio.get_running_loop().time() - started >= 1.1
    assert len(await sent_to_meta(sandbox, tenant)) == 12


async def test_a_scheduled_campaign_starts_when_its_send_at_comes(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    template = await approved_template(client, sandbox, tenant, name="notice", body="Notice")
    people = await factory.customers(tenant, 3)
    campaign = await factory.campaign(
        tenant,
        template["id"],
        people,
        status=CampaignStatus.SCHEDULED,
        send_at=clock.now() + dt.timedelta(hours=1),
    )
    await asyncio.sleep(1.0)
    assert await sent_to_meta(sandbox, tenant) == []
    assert (await Campaign.get(id=campaign.id)).status == CampaignStatus.SCHEDULED

    clock.advance(hours=1)
    await factory.wake()
    done = await factory.until(campaign.id, CampaignStatus.COMPLETED)
    assert done.started_at == clock.now()
    assert len(await sent_to_meta(sandbox, tenant)) == 3
    [started] = await factory.events(tenant, "campaign.started")
    assert started.data["campaign"]["id"] == str(campaign.id)


@pytest.mark.parametrize("status", ["PAUSED", "DISABLED"])
async def test_a_template_turning_paused_or_disabled_pauses_its_campaign(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, status: str
) -> None:
    template = await approved_template(client, sandbox, tenant, name="notice", body="Notice")
    people = await factory.customers(tenant, 40)
    campaign = await factory.campaign(tenant, template["id"], people, max_per_second=10)
    await _until_sent(sandbox, tenant, 2)
    await set_status(sandbox, template["meta_id"], status)
    paused = await factory.until(campaign.id, CampaignStatus.PAUSED)
    assert paused.paused_reason == f"template_{status.lower()}"
    stopped_at = await _steady(sandbox, tenant)
    assert stopped_at < 40
    [event] = await factory.events(tenant, "campaign.paused")
    assert event.data["campaign"]["paused_reason"] == f"template_{status.lower()}"
    rows = await factory.recipients(campaign.id)
    assert {r.status for r in rows} == {RecipientStatus.SENT, RecipientStatus.QUEUED}
