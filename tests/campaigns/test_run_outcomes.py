"""Every recipient accounted for: skipped with a reason, failed with Meta's code, or retried
after Meta's back-pressure (a new message next time, the failed one kept)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from mumble.campaigns import outcome
from mumble.models import CampaignStatus, Consent, Customer, Message, RecipientStatus
from mumble.models.states import MessageStatus
from tests.api import delete
from tests.campaigns import factory
from tests.clock import FrozenClock
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import inject_fault, sent_to_meta
from tests.templates.support import approved_template


async def test_opted_out_customers_are_skipped_for_a_marketing_template(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await approved_template(
        client, sandbox, tenant, name="sale", body="Sale today!", category="MARKETING"
    )
    people = await factory.customers(tenant, 2)
    stopped = await factory.customers(
        tenant, 2, first=972520000001, marketing_consent=Consent.OPTED_OUT
    )
    campaign = await factory.campaign(tenant, template["id"], [*people, *stopped])
    await factory.until(campaign.id, CampaignStatus.COMPLETED)

    rows = await factory.recipients(campaign.id)
    assert [(r.status, r.skip_reason) for r in rows] == [
        (RecipientStatus.SENT, None),
        (RecipientStatus.SENT, None),
        (RecipientStatus.SKIPPED, "opted_out"),
        (RecipientStatus.SKIPPED, "opted_out"),
    ]
    assert sorted(m["to"].lstrip("+") for m in await sent_to_meta(sandbox, tenant)) == [
        c.phone for c in people
    ]


async def test_a_utility_template_still_reaches_opted_out_customers(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await approved_template(client, sandbox, tenant, name="notice", body="Notice")
    stopped = await factory.customers(tenant, 2, marketing_consent=Consent.OPTED_OUT)
    campaign = await factory.campaign(tenant, template["id"], stopped)
    await factory.until(campaign.id, CampaignStatus.COMPLETED)
    assert {r.status for r in await factory.recipients(campaign.id)} == {RecipientStatus.SENT}
    assert len(await sent_to_meta(sandbox, tenant)) == 2


async def test_a_customer_deleted_since_the_audience_was_drawn_is_skipped_not_recreated(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await approved_template(client, sandbox, tenant, name="notice", body="Notice")
    kept, gone = await factory.customers(tenant, 2)
    deleted = await delete(client, tenant, "delete-customer", customer_phone=gone.phone)
    assert deleted.status_code == 200, deleted.text
    campaign = await factory.campaign(tenant, template["id"], [kept, gone])
    await factory.until(campaign.id, CampaignStatus.COMPLETED)

    rows = await factory.recipients(campaign.id)
    assert [(r.status, r.skip_reason) for r in rows] == [
        (RecipientStatus.SENT, None),
        (RecipientStatus.SKIPPED, "customer_deleted"),
    ]
    assert [m["to"].lstrip("+") for m in await sent_to_meta(sandbox, tenant)] == [kept.phone]
    assert not await Customer.exists(account_id=tenant.account.id, phone=gone.phone)


async def test_values_that_do_not_resolve_skip_the_recipient_unsent(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await approved_template(
        client, sandbox, tenant, name="tiered", body="Hi {{1}}!", body_examples=["gold"]
    )
    gold = await factory.customers(tenant, 1, custom_fields={"tier": "gold"})
    none = await factory.customers(tenant, 1, first=972520000001)
    campaign = await factory.campaign(
        tenant, template["id"], [*gold, *none], values={"variables": [{"field": "tier"}]}
    )
    await factory.until(campaign.id, CampaignStatus.COMPLETED)
    rows = await factory.recipients(campaign.id)
    assert [(r.status, r.skip_reason) for r in rows] == [
        (RecipientStatus.SENT, None),
        (RecipientStatus.SKIPPED, "values_unresolved"),
    ]
    sent = await sent_to_meta(sandbox, tenant)
    assert [m["to"].lstrip("+") for m in sent] == [gold[0].phone]


async def test_meta_131049_fails_the_recipient_as_marketing_limited_and_is_not_retried(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await approved_template(
        client, sandbox, tenant, name="sale", body="Sale!", category="MARKETING"
    )
    people = await factory.customers(tenant, 1)
    await inject_fault(sandbox, target="messages", error_code=131049, http_status=400)
    campaign = await factory.campaign(tenant, template["id"], people)
    await factory.until(campaign.id, CampaignStatus.COMPLETED)
    [row] = await factory.recipients(campaign.id)
    assert row.status == RecipientStatus.FAILED
    assert row.skip_reason == "marketing_limit_131049"
    assert row.error_code == 131049
    message = await Message.get(id=row.message_id)
    assert message.status == MessageStatus.FAILED
    assert message.campaign_id == campaign.id
    assert await sent_to_meta(sandbox, tenant) == []


async def test_a_refusal_from_meta_fails_the_recipient_with_its_code_and_message(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await approved_template(client, sandbox, tenant, name="notice", body="Notice")
    people = await factory.customers(tenant, 2)
    await inject_fault(
        sandbox,
        target="messages",
        error_code=131026,
        http_status=400,
        error_message="Undeliverable",
    )
    campaign = await factory.campaign(tenant, template["id"], people)
    await factory.until(campaign.id, CampaignStatus.COMPLETED)
    rows = await factory.recipients(campaign.id)
    # Sent concurrently: either recipient may be the one Meta refused.
    [refused] = [r for r in rows if r.status == RecipientStatus.FAILED]
    assert [r.status for r in rows if r is not refused] == [RecipientStatus.SENT]
    assert refused.error_code == 131026
    assert refused.error_message
    assert refused.skip_reason is None
    assert len(await sent_to_meta(sandbox, tenant)) == 1


@pytest.mark.parametrize("code", sorted(outcome.BACK_PRESSURE))
async def test_back_pressure_requeues_the_recipient_with_a_backoff_then_sends_it_once(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock, code: int
) -> None:
    template = await approved_template(client, sandbox, tenant, name="notice", body="Notice")
    people = await factory.customers(tenant, 1)
    await inject_fault(sandbox, target="messages", error_code=code, http_status=400)
    campaign = await factory.campaign(tenant, template["id"], people)

    row = (await factory.recipients(campaign.id))[0]
    for _ in range(500):
        row = (await factory.recipients(campaign.id))[0]
        if row.error_code == code:
            break
        await asyncio.sleep(0.02)
    assert row.status == RecipientStatus.QUEUED
    assert row.message_id is None
    assert row.next_attempt_at is not None
    wait = (row.next_attempt_at - clock.now()).total_seconds()
    assert wait == pytest.approx(outcome.backoff(code, 1))
    [failed] = await Message.filter(campaign_id=campaign.id)
    assert failed.status == MessageStatus.FAILED
    assert failed.error_code == code
    assert (await factory.until(campaign.id, CampaignStatus.RUNNING)).finished_at is None

    # Past the backoff and the pair rate (a campaign sends one user at most one message per
    # 6 s, the refused attempt included).
    clock.advance(seconds=max(wait, 6) + 1)
    await factory.wake()
    await factory.until(campaign.id, CampaignStatus.COMPLETED)
    [row] = await factory.recipients(campaign.id)
    assert row.status == RecipientStatus.SENT
    assert row.message_id != failed.id
    assert len(await Message.filter(campaign_id=campaign.id)) == 2
    assert len(await sent_to_meta(sandbox, tenant)) == 1


def test_backoff_doubles_per_attempt_up_to_a_cap() -> None:
    assert outcome.backoff(130429, 1) == 1.0
    assert outcome.backoff(130429, 3) == 4.0
    assert outcome.backoff(130429, 30) == outcome.MAX_BACKOFF_SECONDS
    assert outcome.backoff(131048, 5) == 3600.0
    assert outcome.after_failure(131049, 1) == outcome.Fail("marketing_limit_131049")
    assert outcome.after_failure(131026, 1) == outcome.Fail()
    assert outcome.after_failure(None, 1) == outcome.Fail()
    assert outcome.after_failure(132015, 1) == outcome.Pause("template_paused")
    assert outcome.after_failure(132016, 1) == outcome.Pause("template_disabled")


async def test_meta_answering_template_paused_pauses_the_campaign_and_keeps_the_recipient(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await approved_template(client, sandbox, tenant, name="notice", body="Notice")
    people = await factory.customers(tenant, 3)
    # Meta refuses with 132015 before its status webhook has arrived.
    await inject_fault(sandbox, target="messages", error_code=132015, http_status=400)
    campaign = await factory.campaign(tenant, template["id"], people, max_per_second=1)
    paused = await factory.until(campaign.id, CampaignStatus.PAUSED)
    assert paused.paused_reason == "template_paused"
    rows = await factory.recipients(campaign.id)
    assert [r.status for r in rows] == [RecipientStatus.QUEUED] * 3
    assert rows[0].error_code == 132015
    assert rows[0].message_id is None
    assert await sent_to_meta(sandbox, tenant) == []
