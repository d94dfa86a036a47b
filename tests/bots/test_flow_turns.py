"""The turn queue: each turn claimed by one worker, a customer's turns in order; the window."""

from __future__ import annotations

import asyncio
import datetime as dt

import httpx

from mumble.bots import turns
from mumble.models import BotTurn, Customer, FlowSession, Team, TurnKind
from tests.api import ok, post
from tests.bots.flows import PHONE, eventually, menu_flow, said_to, until_said
from tests.clock import FrozenClock
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import customer_writes

NOW = dt.datetime(2026, 6, 29, 12, 0, tzinfo=dt.UTC)


async def _turn(tenant: Tenant, customer: Customer, at: dt.datetime) -> BotTurn:
    return await BotTurn.create(
        account_id=tenant.account.id,
        customer_id=customer.id,
        kind=TurnKind.INBOUND,
        due_at=at,
        created_at=at,
        updated_at=at,
    )


async def test_concurrent_claims_take_each_turn_once_and_one_turn_per_customer(
    tenant: Tenant,
) -> None:
    customers = [
        await Customer.create(account_id=tenant.account.id, phone=f"97250000{i:04d}")
        for i in range(6)
    ]
    first = [await _turn(tenant, c, NOW) for c in customers]
    later = [await _turn(tenant, c, NOW + dt.timedelta(seconds=1)) for c in customers]
    batches = await asyncio.gather(
        *(turns.claim(NOW + dt.timedelta(seconds=5), limit=10) for _ in range(3))
    )
    claimed = [turn for batch in batches for turn in batch]
    assert sorted(t.id for t in claimed) == sorted(t.id for t in first)
    # The customer's later turn waits for the earlier one, claimed or not.
    assert await turns.claim(NOW + dt.timedelta(seconds=5), limit=10) == []
    for turn in claimed:
        assert await turns.finish(turn, "done", NOW)
    again = await turns.claim(NOW + dt.timedelta(seconds=5), limit=10)
    assert sorted(t.id for t in again) == sorted(t.id for t in later)


async def test_an_expired_claim_is_taken_over_and_the_old_lease_cannot_finish_it(
    tenant: Tenant,
) -> None:
    customer = await Customer.create(account_id=tenant.account.id, phone="972500000001")
    await _turn(tenant, customer, NOW)
    (held,) = await turns.claim(NOW, limit=5, lease=dt.timedelta(seconds=2))
    assert await turns.claim(NOW + dt.timedelta(seconds=1), limit=5) == []
    (taken,) = await turns.claim(NOW + dt.timedelta(seconds=3), limit=5)
    assert (taken.id, taken.attempts) == (held.id, 2)
    assert not await turns.finish(held, "late", NOW)
    assert await turns.finish(taken, "done", NOW)


async def test_a_timeout_after_the_window_closed_sends_nothing_and_ends_the_session(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    team = await Team.create(account_id=tenant.account.id, name="Support")
    flow = menu_flow(str(team.id))
    bot_id = ok(await post(client, tenant, "add-bot", name="Menu", flow=flow))
    await customer_writes(sandbox, tenant, text="first contact")
    ok(
        await post(
            client, tenant, "assign-bot", customer_phone=PHONE, bot_token=bot_id["bot"]["id"]
        )
    )
    await customer_writes(sandbox, tenant, text="hi")
    await until_said(sandbox, tenant, 1)
    await eventually(lambda: BotTurn.filter(kind="timeout", status="pending").exists())
    clock.advance(hours=25)

    async def ended() -> bool:
        return await FlowSession.filter(end_reason="window_closed").exists()

    await eventually(ended)
    assert await said_to(sandbox, tenant) == ["How can we help?"]


async def test_a_turn_given_back_keeps_the_customers_later_turns_behind_it(
    tenant: Tenant,
) -> None:
    customer = await Customer.create(account_id=tenant.account.id, phone="972500000002")
    first = await _turn(tenant, customer, NOW)
    await _turn(tenant, customer, NOW + dt.timedelta(seconds=1))
    (held,) = await turns.claim(NOW + dt.timedelta(seconds=2), limit=5)
    assert held.id == first.id
    await turns.retry_at(held, NOW + dt.timedelta(seconds=10), "paced", NOW)
    assert await turns.claim(NOW + dt.timedelta(seconds=5), limit=5) == []
    (again,) = await turns.claim(NOW + dt.timedelta(seconds=10), limit=5)
    assert again.id == first.id
