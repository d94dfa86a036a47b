"""Exactly once across a kill -9 of the worker mid-campaign, and across two workers at once.

The worker is a real `mumble worker` child against this test's database and sandbox. A kill -9
lands while sends are in flight: a recipient whose message was recorded is never sent again
(Meta got it or, killed before Meta answered, it is swept as not sent); a recipient claimed but
not yet recorded is queued again once the claim runs out, and the next worker sends it.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
from pathlib import Path

import httpx
import pytest

from mumble.models import CampaignStatus, Message, RecipientStatus
from mumble.settings import Settings
from tests import database
from tests.campaigns import factory, workers
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import inject_fault, sent_to_meta
from tests.templates.support import approved_template


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return workers.api_settings(settings)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _received(sandbox: SandboxHandle, tenant: Tenant) -> collections.Counter[str]:
    return collections.Counter(m["to"].lstrip("+") for m in await sent_to_meta(sandbox, tenant))


async def test_a_worker_killed_mid_campaign_never_sends_a_recipient_twice(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, tmp_path: Path,
    settings: Settings,
) -> None:  # fmt: skip
    template = await approved_template(client, sandbox, tenant, name="notice", body="Notice")
    people = await factory.customers(tenant, 120)
    # Slow answers keep sends in flight when the kill lands.
    await inject_fault(sandbox, target="messages", latency=0.05, count=None)
    campaign = await factory.campaign(tenant, template["id"], people, now=_now())
    first = workers.worker(settings, tmp_path, "first")
    async with workers.started(first):
        for _ in range(600):
            if len(await _received(sandbox, tenant)) >= 20:
                break
            await asyncio.sleep(0.02)
        await first.kill()
    at_kill = await _received(sandbox, tenant)
    assert 20 <= sum(at_kill.values()) < 120, first.tail()
    # The dead worker's claim: recipients it held but had not recorded a message for.
    held = [r for r in await factory.recipients(campaign.id) if r.status == RecipientStatus.SENDING]
    assert held
    assert all(r.message_id is None for r in held)

    async with workers.started(workers.worker(settings, tmp_path, "second")) as second:
        await factory.until(campaign.id, CampaignStatus.COMPLETED, seconds=60)
        await asyncio.sleep(0.5)
        received = await _received(sandbox, tenant)
        assert second.process is not None

    assert max(received.values()) == 1, [p for p, n in received.items() if n > 1]
    rows = await factory.recipients(campaign.id)
    assert {r.status for r in rows} == {RecipientStatus.SENT}
    messages = {m.id: m for m in await Message.filter(campaign_id=campaign.id)}
    assert sorted(messages) == sorted(r.message_id for r in rows)
    # Whoever Meta did not get was in flight at the kill: recorded, never sent again.
    missing = {str(c.phone) for c in people} - set(received)
    unanswered = [m for m in messages.values() if m.wamid is None]
    assert len(missing) == len(unanswered)


async def test_two_workers_at_once_send_each_recipient_exactly_once(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, tmp_path: Path,
    settings: Settings, databases: database.TestDatabases,
) -> None:  # fmt: skip
    if not databases.postgres:
        pytest.skip("SQLite has one writer: `mumble worker` refuses a second one by design")
    template = await approved_template(client, sandbox, tenant, name="notice", body="Notice")
    people = await factory.customers(tenant, 300)
    await inject_fault(sandbox, target="messages", latency=0.01, count=None)
    one = workers.worker(settings, tmp_path, "one")
    two = workers.worker(settings, tmp_path, "two")
    async with workers.started(one), workers.started(two):
        campaign = await factory.campaign(tenant, template["id"], people, now=_now())
        await factory.until(campaign.id, CampaignStatus.COMPLETED, seconds=90)
        await asyncio.sleep(0.5)
    received = await _received(sandbox, tenant)
    assert sorted(received) == sorted(str(c.phone) for c in people)
    assert set(received.values()) == {1}
    rows = await factory.recipients(campaign.id)
    assert {r.status for r in rows} == {RecipientStatus.SENT}
    assert len(await Message.filter(campaign_id=campaign.id)) == 300
