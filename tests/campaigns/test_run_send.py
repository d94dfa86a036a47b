"""A running campaign is sent: each recipient once, its values resolved, events recorded."""

from __future__ import annotations

import asyncio
import time

import httpx

from mumble.models import CampaignStatus, Message, RecipientStatus
from tests.campaigns import factory
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import sent_to_meta
from tests.templates.support import approved_template


async def test_a_running_campaign_sends_each_recipient_once_with_its_values(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await approved_template(
        client,
        sandbox,
        tenant,
        name="promo",
        body="Hi {{1}}, use {{2}}!",
        body_examples=["Dana", "SAVE10"],
    )
    people = await factory.customers(tenant, 5)
    started = time.monotonic()
    campaign = await factory.campaign(
        tenant,
        template["id"],
        people,
        values={"variables": [{"field": "name"}, {"column": "code", "fallback": "WELCOME"}]},
        rows=[{"code": f"C{n}"} for n in range(4)] + [{"code": ""}],
    )
    while not await sent_to_meta(sandbox, tenant):
        assert time.monotonic() - started < 1.0, "no message within a second of the create"
        await asyncio.sleep(0.01)
    done = await factory.until(campaign.id, CampaignStatus.COMPLETED)

    sent = await sent_to_meta(sandbox, tenant)
    assert sorted(m["to"].lstrip("+") for m in sent) == sorted(str(c.phone) for c in people)
    by_phone = {
        m["to"].lstrip("+"): m["payload"]["template"]["components"][0]["parameters"] for m in sent
    }
    assert [p["text"] for p in by_phone[people[0].phone]] == ["Customer 1", "C0"]
    assert [p["text"] for p in by_phone[people[4].phone]] == ["Customer 5", "WELCOME"]

    rows = await factory.recipients(campaign.id)
    assert {r.status for r in rows} == {RecipientStatus.SENT}
    messages = await Message.filter(id__in=[r.message_id for r in rows])
    assert len(messages) == 5
    assert {m.campaign_id for m in messages} == {campaign.id}
    assert done.started_at is not None
    assert done.finished_at is not None

    kinds = [e.type for e in await factory.events(tenant, "campaign.")]
    assert kinds == ["campaign.started", "campaign.completed"]
    completed = (await factory.events(tenant, "campaign.completed"))[0]
    assert completed.data["campaign"]["id"] == str(campaign.id)
    assert completed.data["campaign"]["status"] == "completed"
    await sandbox.flush()
    message_events = await factory.events(tenant, "message.")
    assert message_events
    assert {e.data["campaign_id"] for e in message_events} == {str(campaign.id)}
