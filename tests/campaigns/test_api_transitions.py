"""pause-campaign, resume-campaign and cancel-campaign: the state machine through the API
(409 for what cannot happen), cancel skipping the queued recipients in one go; the same rules
as pure functions for the runner."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import httpx
import pytest

from mumble.campaigns.service import apply_transition
from mumble.campaigns.transitions import Action, allowed, initial_status, next_status
from mumble.errors import Conflict
from mumble.models import Campaign, CampaignRecipient, CampaignStatus, RecipientStatus
from tests.api import body, post
from tests.campaigns.support import created, customer, label, sale_template, stored
from tests.clock import FrozenClock
from tests.conftest import SandboxHandle, Tenant

NOW = dt.datetime(2026, 6, 29, 12, tzinfo=dt.UTC)


async def _act(
    client: httpx.AsyncClient, tenant: Tenant, action: str, campaign_id: str
) -> httpx.Response:
    return await post(client, tenant, f"{action}-campaign", campaign_id=campaign_id)


async def test_pause_resume_and_cancel_move_the_campaign_and_refuse_what_cannot_happen(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    template = await sale_template(client, sandbox, tenant)
    vip = await label(tenant, "VIP")
    for n in range(1, 5):
        await customer(tenant, f"97250000000{n}", vip)
    campaign = await created(
        client,
        tenant,
        name="Sale",
        template_id=template["id"],
        labels=["VIP"],
        phones=["1"],
        values={"variables": ["friend"]},
    )
    rows = await CampaignRecipient.filter(campaign_id=campaign["id"]).order_by("id")
    # The runner has claimed one recipient and sent another.
    await CampaignRecipient.filter(id=rows[3].id).update(status=RecipientStatus.SENDING)
    await CampaignRecipient.filter(id=rows[4].id).update(status=RecipientStatus.SENT)

    paused = body(await _act(client, tenant, "pause", campaign["id"]))["campaign"]
    assert (paused["status"], paused["paused_reason"]) == ("paused", "api")
    again = await _act(client, tenant, "pause", campaign["id"])
    assert again.status_code == 409
    assert body(again) == {"error": True, "message": "Campaign is paused and cannot be paused"}

    clock.advance(seconds=5)
    resumed = body(await _act(client, tenant, "resume", campaign["id"]))["campaign"]
    assert (resumed["status"], resumed["paused_reason"]) == ("running", None)
    assert resumed["updated_at"] == clock.now().isoformat().replace("+00:00", "Z")

    cancelled = body(await _act(client, tenant, "cancel", campaign["id"]))["campaign"]
    assert cancelled["status"] == "cancelled"
    assert cancelled["finished_at"] == clock.now().isoformat().replace("+00:00", "Z")
    assert await stored(campaign["id"]) == [
        ("1", "skipped", "invalid_phone"),
        ("972500000001", "skipped", "cancelled"),
        ("972500000002", "skipped", "cancelled"),
        ("972500000003", "sending", None),
        ("972500000004", "sent", None),
    ]
    for action in ("pause", "resume", "cancel"):
        refused = await _act(client, tenant, action, campaign["id"])
        assert refused.status_code == 409, refused.text
        done = {"pause": "paused", "resume": "resumed", "cancel": "cancelled"}[action]
        assert body(refused)["message"] == f"Campaign is cancelled and cannot be {done}"
    assert (await Campaign.get(id=campaign["id"])).status == CampaignStatus.CANCELLED


async def test_a_scheduled_campaign_paused_and_resumed_before_its_time_is_scheduled_again(
    client: httpx.AsyncClient,
    sandbox: SandboxHandle,
    tenant: Tenant,
    other_tenant: Tenant,
    clock: FrozenClock,
) -> None:
    template = await sale_template(client, sandbox, tenant)
    campaign = await created(
        client,
        tenant,
        name="Later",
        template_id=template["id"],
        phones=["972500000001"],
        values={"variables": ["friend"]},
        send_at=(clock.now() + dt.timedelta(hours=1)).isoformat(),
    )
    assert campaign["status"] == "scheduled"
    assert body(await _act(client, tenant, "pause", campaign["id"]))["campaign"]["status"] == (
        "paused"
    )
    assert body(await _act(client, tenant, "resume", campaign["id"]))["campaign"]["status"] == (
        "scheduled"
    )
    assert (await _act(client, tenant, "resume", campaign["id"])).status_code == 409
    for action in ("pause", "resume", "cancel"):
        missing = await _act(client, other_tenant, action, campaign["id"])
        assert missing.status_code == 404
        assert body(missing) == {"error": True, "message": "Campaign not found"}


async def test_a_completed_campaign_cannot_be_resumed_paused_or_cancelled(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await sale_template(client, sandbox, tenant)
    campaign = await created(
        client,
        tenant,
        name="Done",
        template_id=template["id"],
        phones=["972500000001"],
        values={"variables": ["friend"]},
    )
    await Campaign.filter(id=campaign["id"]).update(status=CampaignStatus.COMPLETED)
    for action in ("resume", "pause", "cancel"):
        refused = await _act(client, tenant, action, campaign["id"])
        assert refused.status_code == 409
        assert body(refused)["message"].startswith("Campaign is completed and cannot be")


@pytest.mark.parametrize(
    ("current", "action", "after"),
    [
        (CampaignStatus.SCHEDULED, Action.START, CampaignStatus.RUNNING),
        (CampaignStatus.SCHEDULED, Action.PAUSE, CampaignStatus.PAUSED),
        (CampaignStatus.RUNNING, Action.PAUSE, CampaignStatus.PAUSED),
        (CampaignStatus.RUNNING, Action.COMPLETE, CampaignStatus.COMPLETED),
        (CampaignStatus.PAUSED, Action.CANCEL, CampaignStatus.CANCELLED),
        (CampaignStatus.SCHEDULED, Action.CANCEL, CampaignStatus.CANCELLED),
    ],
)
def test_the_transitions_the_runner_and_the_api_share(
    current: CampaignStatus, action: Action, after: CampaignStatus
) -> None:
    assert allowed(current, action)
    assert next_status(current, action, send_at=NOW, now=NOW) == after


def test_resume_returns_to_scheduled_before_send_at_and_final_states_stay_final() -> None:
    later = NOW + dt.timedelta(minutes=1)
    assert next_status(CampaignStatus.PAUSED, Action.RESUME, send_at=later, now=NOW) == (
        CampaignStatus.SCHEDULED
    )
    assert next_status(CampaignStatus.PAUSED, Action.RESUME, send_at=NOW, now=NOW) == (
        CampaignStatus.RUNNING
    )
    assert initial_status(later, NOW) == CampaignStatus.SCHEDULED
    assert initial_status(NOW, NOW) == CampaignStatus.RUNNING
    for final in (CampaignStatus.COMPLETED, CampaignStatus.CANCELLED):
        for action in Action:
            assert not allowed(final, action)
    with pytest.raises(Conflict, match="Campaign is paused and cannot be completed"):
        next_status(CampaignStatus.PAUSED, Action.COMPLETE, send_at=NOW, now=NOW)


async def test_racing_transitions_apply_one_at_a_time(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await sale_template(client, sandbox, tenant)
    campaign = await created(
        client,
        tenant,
        name="Race",
        template_id=template["id"],
        phones=[f"97250000000{n}" for n in range(1, 6)],
        values={"variables": ["friend"]},
    )
    answers = await asyncio.gather(
        *(_act(client, tenant, action, campaign["id"]) for action in ("cancel", "cancel", "pause"))
    )
    statuses = sorted(answer.status_code for answer in answers)
    # One cancel wins; the other cancel finds it cancelled; the pause came before or after.
    assert statuses in ([200, 200, 409], [200, 409, 409]), [a.text for a in answers]
    assert sum(1 for a in answers[:2] if a.status_code == 200) == 1
    assert (await Campaign.get(id=campaign["id"])).status == CampaignStatus.CANCELLED
    assert {status for _, status, _ in await stored(campaign["id"])} == {"skipped"}


async def test_a_deleted_customer_leaves_its_recipient_listed(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await sale_template(client, sandbox, tenant)
    vip = await label(tenant, "VIP")
    await customer(tenant, "972500000001", vip)
    await customer(tenant, "972500000002", vip)
    campaign = await created(
        client,
        tenant,
        name="Gone",
        template_id=template["id"],
        labels=["VIP"],
        values={"variables": ["friend"]},
    )
    deleted = await client.delete(
        "/mumbleapi/delete-customer",
        params={"customer_phone": "972500000001"},
        headers=tenant.headers,
    )
    assert deleted.status_code == 200, deleted.text

    listed = await client.get(
        "/mumbleapi/get-campaign-recipients",
        params={"campaign_id": campaign["id"]},
        headers=tenant.headers,
    )
    assert listed.status_code == 200, listed.text
    assert [r["phone"] for r in listed.json()["recipients"]] == ["972500000001", "972500000002"]
    shown = await client.get(
        "/mumbleapi/get-campaign", params={"campaign_id": campaign["id"]}, headers=tenant.headers
    )
    assert shown.json()["campaign"]["counts"]["queued"] == 2


async def test_the_runner_starts_pauses_with_its_reason_and_completes_through_the_same_rules(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    template = await sale_template(client, sandbox, tenant)
    campaign = await created(
        client,
        tenant,
        name="Runner",
        template_id=template["id"],
        phones=["972500000001"],
        values={"variables": ["friend"]},
        send_at=(clock.now() + dt.timedelta(minutes=5)).isoformat(),
    )
    campaign_id = uuid.UUID(campaign["id"])
    clock.advance(minutes=5)
    started = await apply_transition(campaign_id, Action.START, clock.now())
    assert (started.status, started.started_at) == (CampaignStatus.RUNNING, clock.now())
    paused = await apply_transition(
        campaign_id, Action.PAUSE, clock.now(), reason="messaging_limit"
    )
    assert paused.paused_reason == "messaging_limit"
    with pytest.raises(Conflict):
        await apply_transition(campaign_id, Action.COMPLETE, clock.now())
    await apply_transition(campaign_id, Action.RESUME, clock.now())
    clock.advance(seconds=30)
    done = await apply_transition(campaign_id, Action.COMPLETE, clock.now())
    assert (done.status, done.finished_at) == (CampaignStatus.COMPLETED, clock.now())
    shown = body(
        await client.get(
            "/mumbleapi/get-campaign",
            params={"campaign_id": campaign["id"]},
            headers=tenant.headers,
        )
    )["campaign"]
    assert (shown["status"], shown["paused_reason"]) == ("completed", None)
    assert shown["started_at"] == (clock.now() - dt.timedelta(seconds=30)).isoformat().replace(
        "+00:00", "Z"
    )
