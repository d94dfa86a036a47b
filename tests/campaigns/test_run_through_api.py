"""A campaign end to end through the API: create-campaign wakes the app's own runner, the
template reaches the sandbox once per recipient with its resolved value, get-campaign counts it;
pause-campaign records campaign.paused and stops the sends, resume-campaign finishes them."""

from __future__ import annotations

import uuid

import httpx

from mumble.models import CampaignStatus
from tests.api import body, post
from tests.campaigns import factory
from tests.campaigns.support import created, customer, detail, label, sale_template
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import sent_to_meta


def _bodies(messages: list[dict[str, object]]) -> list[str]:
    out = []
    for message in messages:
        payload = message["payload"]
        assert isinstance(payload, dict)
        params = payload["template"]["components"][0]["parameters"]
        out.append(params[0]["text"])
    return out


async def test_create_sends_each_recipient_once_and_pause_resume_control_the_runner(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await sale_template(client, sandbox, tenant)
    vip = await label(tenant, "VIP")
    for n in range(6):
        await customer(tenant, f"97250000010{n}", vip, name=f"Guest{n}" if n % 2 else None)

    campaign = await created(
        client,
        tenant,
        name="Slow sale",
        template_id=template["id"],
        labels=["VIP"],
        values={"variables": [{"field": "name", "fallback": "friend"}]},
        # Slow, so the pause lands while recipients are still queued.
        max_per_second=2,
    )
    campaign_id = uuid.UUID(campaign["id"])
    paused = await post(client, tenant, "pause-campaign", campaign_id=campaign["id"])
    assert paused.status_code == 200, paused.text
    assert body(paused)["campaign"]["status"] == "paused"
    [event] = await factory.events(tenant, "campaign.paused")
    assert event.data["campaign"]["paused_reason"] == "api"
    held = len(await sent_to_meta(sandbox, tenant))
    assert held < 6

    resumed = await post(client, tenant, "resume-campaign", campaign_id=campaign["id"])
    assert resumed.status_code == 200, resumed.text
    await factory.until(campaign_id, CampaignStatus.COMPLETED)
    sent = await sent_to_meta(sandbox, tenant)
    assert sorted(m["to"].lstrip("+") for m in sent) == [f"97250000010{n}" for n in range(6)]
    assert sorted(_bodies(sent)) == sorted(
        ["friend", "Guest1", "friend", "Guest3", "friend", "Guest5"]
    )
    shown = await detail(client, tenant, campaign["id"])
    assert shown["status"] == "completed"
    assert shown["counts"]["sent"] == 6
    assert shown["counts"]["queued"] == 0
    # Each once (the pause may land before the runner's first pass records the start).
    assert sorted(e.type for e in await factory.events(tenant, "campaign.")) == [
        "campaign.completed",
        "campaign.paused",
        "campaign.started",
    ]
