"""unassign-customer takes a customer off its agent, team or both, with customer.assigned;
search-customers by agent_id / team_id answers "whose customers are these"."""

from __future__ import annotations

from typing import Any

import httpx

from mumble.models import Customer, Event
from mumble.team.service import create_agent, create_team
from tests.access import key_with_permissions
from tests.api import body, get, ok, post
from tests.clock import FrozenClock
from tests.conftest import Tenant
from tests.customers.support import PHONE, add_customer, get_customer

OTHER = "15550001111"
THIRD = "15550002222"


async def _assigned(client: httpx.AsyncClient, tenant: Tenant, phone: str = PHONE) -> Any:
    customer = body(await get_customer(client, tenant, phone))["customer"]
    return customer["agent"], customer["team"]


async def _assign_both(client: httpx.AsyncClient, tenant: Tenant, phone: str = PHONE) -> None:
    agents = await get(client, tenant, "get-agents")
    teams = await get(client, tenant, "get-teams")
    agent_id = ok(agents)["agents"][0]["id"]
    team_id = ok(teams)["teams"][0]["id"]
    ok(
        await post(
            client, tenant, "assign-customer-to-agent", customer_phone=phone, agent_id=agent_id
        )
    )
    ok(await post(client, tenant, "assign-customer-to-team", customer_phone=phone, team_id=team_id))


async def _assigned_events(tenant: Tenant) -> list[dict[str, Any]]:
    rows = await Event.filter(account_id=tenant.account.id, type="customer.assigned").order_by(
        "seq"
    )
    return [row.data for row in rows]


async def test_unassign_from_agent_then_team_records_each_change(
    client: httpx.AsyncClient, tenant: Tenant, clock: FrozenClock
) -> None:
    agent = await create_agent(tenant.account.id, "Ann")
    team = await create_team(tenant.account.id, "Support", [str(agent.id)])
    await add_customer(client, tenant)
    await _assign_both(client, tenant)
    before = len(await _assigned_events(tenant))
    clock.advance(minutes=1)
    answer = ok(
        await post(client, tenant, "unassign-customer", customer_phone=PHONE, **{"from": "agent"})
    )
    assert answer == {
        "success": True,
        "message": "Customer unassigned successfully",
        "unassigned": ["agent"],
    }
    agent_view, team_view = await _assigned(client, tenant)
    assert agent_view is None
    assert team_view is not None
    assert (await Customer.get(phone=PHONE)).updated_at == clock.now()
    event = (await _assigned_events(tenant))[before]
    assert event["agent"] is None
    assert event["previous_agent"] == {"id": str(agent.id), "name": "Ann"}
    assert "team" not in event
    assert event["customer"]["agent"] is None
    answer = ok(
        await post(client, tenant, "unassign-customer", customer_phone=PHONE, **{"from": "team"})
    )
    assert answer["unassigned"] == ["team"]
    assert await _assigned(client, tenant) == (None, None)
    event = (await _assigned_events(tenant))[before + 1]
    assert (event["team"], event["previous_team"]) == (
        None,
        {"id": str(team.id), "name": "Support"},
    )


async def test_unassign_all_removes_both_in_one_event_and_again_is_no_change(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await create_team(
        tenant.account.id, "Support", [str((await create_agent(tenant.account.id, "Ann")).id)]
    )
    await add_customer(client, tenant)
    await _assign_both(client, tenant)
    before = len(await _assigned_events(tenant))
    answer = ok(
        await post(client, tenant, "unassign-customer", customer_phone=PHONE, **{"from": "ALL"})
    )
    assert answer["unassigned"] == ["agent", "team"]
    assert await _assigned(client, tenant) == (None, None)
    events = await _assigned_events(tenant)
    assert len(events) == before + 1
    assert events[-1]["agent"] is None
    assert events[-1]["team"] is None
    assert events[-1]["previous_agent"]["name"] == "Ann"
    assert events[-1]["previous_team"]["name"] == "Support"
    updated = (await Customer.get(phone=PHONE)).updated_at
    again = ok(
        await post(client, tenant, "unassign-customer", customer_phone=PHONE, **{"from": "all"})
    )
    assert again["unassigned"] == []
    assert len(await _assigned_events(tenant)) == before + 1
    assert (await Customer.get(phone=PHONE)).updated_at == updated


async def test_unassign_refusals(client: httpx.AsyncClient, tenant: Tenant) -> None:
    await add_customer(client, tenant)
    bad_from = {"error": True, "message": "'from' must be agent, team or all"}
    for sent in ({}, {"from": ""}, {"from": "bot"}, {"from": "agents"}):
        refused = await post(client, tenant, "unassign-customer", customer_phone=PHONE, **sent)
        assert refused.status_code == 400, sent
        assert body(refused) == bad_from, sent
    for odd in ({"from": ["agent"]}, {"from": "a" * 500}, {"from": "ag\x00ent"}):
        refused = await post(client, tenant, "unassign-customer", customer_phone=PHONE, **odd)
        assert refused.status_code == 400, odd
        assert body(refused)["error"] is True
    missing = await post(client, tenant, "unassign-customer", **{"from": "all"})
    assert missing.status_code == 400
    assert body(missing) == {"error": True, "message": "Phone number is required."}
    unknown = await post(
        client, tenant, "unassign-customer", customer_phone=OTHER, **{"from": "all"}
    )
    assert unknown.status_code == 404
    assert body(unknown) == {"error": True, "message": "Customer not found"}


async def test_a_second_account_and_a_read_only_key_cannot_unassign(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    await create_team(
        tenant.account.id, "Support", [str((await create_agent(tenant.account.id, "Ann")).id)]
    )
    await add_customer(client, tenant)
    await _assign_both(client, tenant)
    theirs = await post(
        client, other_tenant, "unassign-customer", customer_phone=PHONE, **{"from": "all"}
    )
    assert theirs.status_code == 404
    reader = await key_with_permissions(tenant.account, "reader", ["customers:read"])
    denied = await post(
        client, reader, "unassign-customer", customer_phone=PHONE, **{"from": "all"}
    )
    assert denied.status_code == 401
    assert body(denied) == {"error": True, "message": "User not authorized to unassign customers."}
    agent_view, team_view = await _assigned(client, tenant)
    assert agent_view is not None
    assert team_view is not None


async def test_search_by_agent_or_team_answers_whose_customers_these_are(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    ann = await create_agent(tenant.account.id, "Ann")
    bob = await create_agent(tenant.account.id, "Bob")
    support = await create_team(tenant.account.id, "Support", [str(ann.id)])
    sales = await create_team(tenant.account.id, "Sales", [str(bob.id)])
    for phone in (PHONE, OTHER, THIRD):
        await add_customer(client, tenant, phone)
    for phone, agent, team in ((PHONE, ann, support), (OTHER, bob, support), (THIRD, ann, sales)):
        ok(
            await post(
                client,
                tenant,
                "assign-customer-to-agent",
                customer_phone=phone,
                agent_id=str(agent.id),
            )
        )
        ok(
            await post(
                client,
                tenant,
                "assign-customer-to-team",
                customer_phone=phone,
                team_id=str(team.id),
            )
        )

    async def phones(**query: str) -> list[str]:
        page = ok(await get(client, tenant, "search-customers", **query))
        return [customer["phone"] for customer in page["customers"]]

    assert await phones(agent_id=str(ann.id)) == [PHONE, THIRD]
    assert await phones(agent_id=str(bob.id)) == [OTHER]
    assert await phones(team_id=str(support.id)) == [PHONE, OTHER]
    assert await phones(agent_id=str(ann.id), team_id=str(support.id)) == [PHONE]
    assert await phones(agent_id="none") == []
    ok(await post(client, tenant, "unassign-customer", customer_phone=THIRD, **{"from": "agent"}))
    assert await phones(agent_id=str(ann.id)) == [PHONE]
    assert await phones(agent_id="none") == [THIRD]
    assert await phones(team_id=str(sales.id)) == [THIRD]
    # Another account's key cannot ask about these agents.
    theirs = await get(client, other_tenant, "search-customers", agent_id=str(ann.id))
    assert theirs.status_code == 404
    assert body(theirs) == {"error": True, "message": "Agent not found"}
