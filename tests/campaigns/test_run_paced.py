"""The pacer's `Paced` (raised before anything is written): the recipient waits retry_after;
the messaging limit pauses the campaign. The pacer itself is another lane's: here a send that
raises Paced for chosen recipients stands in front of the real template pipeline."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import aiohttp
import httpx
import pytest
import pytest_asyncio

from mumble.campaigns.runner import CampaignRunner
from mumble.messages.flows import Sender
from mumble.models import Campaign, CampaignStatus, Message, RecipientStatus
from mumble.pacing.errors import Paced, PaceReason
from mumble.settings import Settings
from mumble.templates.flows import TemplateSend, send_template
from mumble.whatsapp.client import GraphClient
from tests.campaigns import factory, workers
from tests.clock import FrozenClock
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import sent_to_meta
from tests.templates.support import approved_template


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The app runs no runner: the test drives its own, pass by pass.
    return workers.api_settings(settings)


@pytest_asyncio.fixture
async def sender(settings: Settings, clock: FrozenClock) -> AsyncIterator[Sender]:
    async with aiohttp.ClientSession() as http:
        graph = GraphClient(http, settings.graph_api_url, settings.whatsapp_api_version)
        yield Sender(graph, clock, "")


def _pacing(sender: Sender, paced: dict[int, Paced], clock: FrozenClock) -> CampaignRunner:
    """A runner whose send raises `paced[n]` for the n-th recipient (by row id order) once."""

    async def send(account_id: object, template_send: TemplateSend) -> Message:
        assert template_send.campaign_recipient_id is not None
        refusal = paced.pop(template_send.campaign_recipient_id, None)
        if refusal is not None:
            raise refusal
        return await send_template(sender, account_id, template_send)  # type: ignore[arg-type]

    return CampaignRunner(send, clock, concurrency=1)


async def test_a_paced_recipient_waits_retry_after_and_is_then_sent_once(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock,
    sender: Sender,
) -> None:  # fmt: skip
    template = await approved_template(client, sandbox, tenant, name="notice", body="Notice")
    campaign = await factory.campaign(tenant, template["id"], await factory.customers(tenant, 3))
    first = (await factory.recipients(campaign.id))[0]
    runner = _pacing(sender, {first.id: Paced(2.5, PaceReason.PAIR_RATE)}, clock)

    assert await runner.run_once() == 3
    rows = await factory.recipients(campaign.id)
    assert [r.status for r in rows] == [RecipientStatus.QUEUED] + [RecipientStatus.SENT] * 2
    assert rows[0].next_attempt_at == clock.now() + dt.timedelta(seconds=2.5)
    assert rows[0].message_id is None
    assert await Message.filter(customer_id=first.customer_id).count() == 0
    assert await runner.run_once() == 0  # not due yet
    assert (await Campaign.get(id=campaign.id)).status == CampaignStatus.RUNNING

    clock.advance(seconds=3)
    assert await runner.run_once() == 1
    await runner.run_once()
    assert (await Campaign.get(id=campaign.id)).status == CampaignStatus.COMPLETED
    assert len(await sent_to_meta(sandbox, tenant)) == 3


async def test_the_messaging_limit_pauses_the_campaign_with_that_reason(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock,
    sender: Sender,
) -> None:  # fmt: skip
    template = await approved_template(client, sandbox, tenant, name="notice", body="Notice")
    campaign = await factory.campaign(tenant, template["id"], await factory.customers(tenant, 5))
    second = (await factory.recipients(campaign.id))[1]
    limit = Paced(3600, PaceReason.MESSAGING_LIMIT)
    runner = _pacing(sender, {second.id: limit}, clock)

    await runner.run_once()
    paused = await Campaign.get(id=campaign.id)
    assert paused.status == CampaignStatus.PAUSED
    assert paused.paused_reason == "messaging_limit"
    rows = await factory.recipients(campaign.id)
    assert [r.status for r in rows] == [RecipientStatus.SENT] + [RecipientStatus.QUEUED] * 4
    assert rows[1].next_attempt_at == clock.now() + dt.timedelta(hours=1)
    assert all(r.next_attempt_at is None for r in rows[2:])
    [event] = await factory.events(tenant, "campaign.paused")
    assert event.data["campaign"]["paused_reason"] == "messaging_limit"
    assert len(await sent_to_meta(sandbox, tenant)) == 1
    assert await runner.run_once() == 0  # paused: nothing claimed


async def test_a_short_throughput_pace_is_waited_out_without_giving_the_recipient_back(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock,
    sender: Sender,
) -> None:  # fmt: skip
    template = await approved_template(client, sandbox, tenant, name="notice", body="Notice")
    campaign = await factory.campaign(tenant, template["id"], await factory.customers(tenant, 3))
    first = (await factory.recipients(campaign.id))[0]
    runner = _pacing(sender, {first.id: Paced(0.05, PaceReason.THROUGHPUT)}, clock)

    assert await runner.run_once() == 3
    rows = await factory.recipients(campaign.id)
    assert [r.status for r in rows] == [RecipientStatus.SENT] * 3
    assert rows[0].next_attempt_at is None
    assert len(await sent_to_meta(sandbox, tenant)) == 3
