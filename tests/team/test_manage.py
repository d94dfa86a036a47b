"""Managing agents and teams through the API: add, edit, delete, with permissions and isolation."""

from __future__ import annotations

from typing import Any

import httpx

from mumble.models import Agent, Customer, Event, Team
from tests.access import key_with_permissions
from tests.api import body, delete, get, ok, post
from tests.clock import FrozenClock
from tests.conftest import Tenant
from tests.customers.support import PHONE, add_customer, get_customer

OTHER = "15550001111"


async def _agent(client: httpx.AsyncClient, tenant: Tenant, name: str, **extra: Any) -> str:
    answer = ok(await post(client, tenant, "add-agent", name=name, **extra))
    agent_id: str = answer["agent"]["id"]
    return agent_id


async def test_add_edit_and_list_agents(client: httpx.AsyncClient, tenant: Tenant) -> None:
    answer = ok(await post(client, tenant, "add-agent", name="  Dana ", email="Dana@Example.com"))
    assert answer["message"] == "Agent 'Dana' created successfully"
    dana = answer["agent"]
    assert set(dana) == {"name", "id"}
    assert dana["name"] == "Dana"
    stored = await Agent.get(id=dana["id"])
    assert stored.email == "Dana@example.com"
    eli = await _agent(client, tenant, "Eli")
    listed = ok(await get(client, tenant, "get-agents"))["agents"]
    assert listed == [dana, {"name": "Eli", "id": eli}]
    edited = ok(await post(client, tenant, "edit-agent", agent_id=eli, name="Elias"))
    assert edited == {
        "success": True,
        "message": "Agent updated successfully",
        "agent": {"name": "Elias", "id": eli},
    }
    ok(await post(client, tenant, "edit-agent", agent_id=eli, email="elias@example.com"))
    again = await Agent.get(id=eli)
    assert (again.name, again.email) == ("Elias", "elias@example.com")


async def test_duplicate_names_are_refused_with_409(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    await _agent(client, tenant, "Dana")
    eli = await _agent(client, tenant, "Eli")
    exists = {"error": True, "message": "Agent already exists"}
    taken = await post(client, tenant, "add-agent", name="Dana")
    assert taken.status_code == 409
    assert body(taken) == exists
    renamed = await post(client, tenant, "edit-agent", agent_id=eli, name="Dana")
    assert renamed.status_code == 409
    assert body(renamed) == exists
    assert (await Agent.get(id=eli)).name == "Eli"
    # Another account may use the same name.
    await _agent(client, other_tenant, "Dana")
    ok(await post(client, tenant, "add-team", name="Support"))
    team = await post(client, tenant, "add-team", name="Support")
    assert team.status_code == 409
    assert body(team) == {"error": True, "message": "Team already exists"}


async def test_agent_refusals(client: httpx.AsyncClient, tenant: Tenant) -> None:
    dana = await _agent(client, tenant, "Dana")
    for sent, message in (
        ({}, "Name is required."),
        ({"name": "  "}, "Name is required."),
        ({"name": "x" * 201}, None),
        ({"name": ["Dana"]}, None),
        ({"name": "Ann", "email": "not-an-email"}, None),
        ({"name": "A\x00nn"}, None),
    ):
        refused = await post(client, tenant, "add-agent", sent)
        assert refused.status_code == 400, sent
        if message:
            assert body(refused) == {"error": True, "message": message}
    for path, method in (("edit-agent", post), ("delete-agent", delete)):
        missing = await method(client, tenant, path)
        assert missing.status_code == 400, path
        assert body(missing) == {"error": True, "message": "Agent ID is required."}
        for unknown in ("nope", "00000000-0000-4000-8000-000000000000"):
            response = await method(client, tenant, path, agent_id=unknown, name="X")
            assert response.status_code == 404, (path, unknown)
            assert body(response) == {"error": True, "message": "Agent not found"}
    assert await Agent.filter(account_id=tenant.account.id).count() == 1
    assert (await Agent.get(id=dana)).name == "Dana"


async def test_deleting_an_agent_unassigns_its_customers_with_events(
    client: httpx.AsyncClient, tenant: Tenant, clock: FrozenClock
) -> None:
    dana = await _agent(client, tenant, "Dana")
    eli = await _agent(client, tenant, "Eli")
    team = ok(await post(client, tenant, "add-team", name="Support", members=[dana, eli]))["team"]
    for phone, agent in ((PHONE, dana), (OTHER, eli)):
        await add_customer(client, tenant, phone)
        ok(
            await post(
                client, tenant, "assign-customer-to-agent", customer_phone=phone, agent_id=agent
            )
        )
    clock.advance(minutes=3)
    answer = ok(await delete(client, tenant, "delete-agent", agent_id=dana))
    assert answer == {
        "success": True,
        "message": "Agent deleted successfully",
        "customers_unassigned": 1,
    }
    assert body(await get_customer(client, tenant))["customer"]["agent"] is None
    assert body(await get_customer(client, tenant, OTHER))["customer"]["agent"]["id"] == eli
    assert (await Customer.get(phone=PHONE)).updated_at == clock.now()
    event = (
        await Event.filter(account_id=tenant.account.id, type="customer.assigned")
        .order_by("-seq")
        .first()
    )
    assert event is not None
    assert event.data["agent"] is None
    assert event.data["previous_agent"] == {"id": dana, "name": "Dana"}
    assert event.data["customer"]["phone"] == PHONE
    # Dana left the team; the team and Eli stay.
    teams = ok(await get(client, tenant, "get-teams"))["teams"]
    assert teams == [{**team, "members": [{"name": "Eli", "id": eli}]}]
    assert [a["id"] for a in ok(await get(client, tenant, "get-agents"))["agents"]] == [eli]
    gone = await delete(client, tenant, "delete-agent", agent_id=dana)
    assert gone.status_code == 404


async def test_add_and_edit_team_members(client: httpx.AsyncClient, tenant: Tenant) -> None:
    dana = await _agent(client, tenant, "Dana")
    eli = await _agent(client, tenant, "Eli")
    added = ok(await post(client, tenant, "add-team", name="Support", members=[eli, dana, eli]))
    team = added["team"]
    assert added["message"] == "Team 'Support' created successfully"
    assert team["members"] == [{"name": "Dana", "id": dana}, {"name": "Eli", "id": eli}]
    assert ok(await get(client, tenant, "get-teams"))["teams"] == [team]
    renamed = ok(await post(client, tenant, "edit-team", team_id=team["id"], name="Care"))
    assert renamed["team"]["name"] == "Care"
    assert len(renamed["team"]["members"]) == 2
    only = ok(await post(client, tenant, "edit-team", team_id=team["id"], members=[eli]))
    assert only["team"] == {
        "name": "Care",
        "id": team["id"],
        "members": [{"name": "Eli", "id": eli}],
    }
    # A form or query sends the ids comma-separated.
    form = await client.post(
        "/mumbleapi/edit-team",
        data={"team_id": team["id"], "members": f"{dana},{eli}"},
        headers=tenant.headers,
    )
    assert len(ok(form)["team"]["members"]) == 2
    emptied = ok(await post(client, tenant, "edit-team", team_id=team["id"], members=[]))
    assert emptied["team"]["members"] == []
    assert await Agent.filter(account_id=tenant.account.id).count() == 2


async def test_team_refusals_change_nothing(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    dana = await _agent(client, tenant, "Dana")
    theirs = await _agent(client, other_tenant, "Zed")
    team = ok(await post(client, tenant, "add-team", name="Support", members=[dana]))["team"]
    ok(await post(client, tenant, "add-team", name="Sales"))
    for members in (["nope"], [theirs], [dana, theirs]):
        refused = await post(client, tenant, "add-team", name="New", members=members)
        assert refused.status_code == 404, members
        assert body(refused)["message"].startswith("Agent not found: ")
        edited = await post(client, tenant, "edit-team", team_id=team["id"], members=members)
        assert edited.status_code == 404, members
    taken = await post(client, tenant, "edit-team", team_id=team["id"], name="Sales")
    assert taken.status_code == 409
    for bad in (
        {"members": "[oops"},
        {"members": [1, 2]},
        {"members": [f"x{n}" for n in range(101)]},
    ):
        refused = await post(client, tenant, "edit-team", team_id=team["id"], **bad)
        assert refused.status_code == 400, bad
    for path, method in (("edit-team", post), ("delete-team", delete)):
        missing = await method(client, tenant, path)
        assert body(missing) == {"error": True, "message": "Team ID is required."}
        unknown = await method(client, tenant, path, team_id="nope")
        assert unknown.status_code == 404
        assert body(unknown) == {"error": True, "message": "Team not found"}
    assert ok(await get(client, tenant, "get-teams"))["teams"][0] == team
    assert not await Team.filter(name="New").exists()


async def test_deleting_a_team_unassigns_its_customers(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    dana = await _agent(client, tenant, "Dana")
    team = ok(await post(client, tenant, "add-team", name="Support", members=[dana]))["team"]
    await add_customer(client, tenant)
    ok(
        await post(
            client, tenant, "assign-customer-to-team", customer_phone=PHONE, team_id=team["id"]
        )
    )
    answer = ok(await delete(client, tenant, "delete-team", team_id=team["id"]))
    assert answer["customers_unassigned"] == 1
    assert body(await get_customer(client, tenant))["customer"]["team"] is None
    event = (
        await Event.filter(account_id=tenant.account.id, type="customer.assigned")
        .order_by("-seq")
        .first()
    )
    assert event is not None
    assert (event.data["team"], event.data["previous_team"]) == (
        None,
        {"id": team["id"], "name": "Support"},
    )
    assert ok(await get(client, tenant, "get-teams"))["teams"] == []
    assert [a["id"] for a in ok(await get(client, tenant, "get-agents"))["agents"]] == [dana]


async def test_a_second_account_cannot_touch_the_team(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    dana = await _agent(client, tenant, "Dana")
    team = ok(await post(client, tenant, "add-team", name="Support", members=[dana]))["team"]
    for response in (
        await post(client, other_tenant, "edit-agent", agent_id=dana, name="Hijacked"),
        await delete(client, other_tenant, "delete-agent", agent_id=dana),
        await post(client, other_tenant, "edit-team", team_id=team["id"], name="Hijacked"),
        await delete(client, other_tenant, "delete-team", team_id=team["id"]),
    ):
        assert response.status_code == 404
    assert ok(await get(client, other_tenant, "get-agents"))["agents"] == []
    assert ok(await get(client, other_tenant, "get-teams"))["teams"] == []
    assert ok(await get(client, tenant, "get-teams"))["teams"] == [team]


async def test_read_only_and_partial_roles(client: httpx.AsyncClient, tenant: Tenant) -> None:
    dana = await _agent(client, tenant, "Dana")
    team = ok(await post(client, tenant, "add-team", name="Support"))["team"]
    reader = await key_with_permissions(tenant.account, "reader", ["team:read"])
    assert len(ok(await get(client, reader, "get-agents"))["agents"]) == 1
    agents_denied = {"error": True, "message": "User not authorized to manage agents."}
    teams_denied = {"error": True, "message": "User not authorized to manage teams."}
    for response, denial in (
        (await post(client, reader, "add-agent", name="Eve"), agents_denied),
        (await post(client, reader, "edit-agent", agent_id=dana, name="Eve"), agents_denied),
        (await delete(client, reader, "delete-agent", agent_id=dana), agents_denied),
        (await post(client, reader, "add-team", name="Sales"), teams_denied),
        (await post(client, reader, "edit-team", team_id=team["id"], name="X"), teams_denied),
        (await delete(client, reader, "delete-team", team_id=team["id"]), teams_denied),
    ):
        assert response.status_code == 401
        assert body(response) == denial
    # Managing agents does not grant managing teams.
    agents_only = await key_with_permissions(tenant.account, "hr", ["agents:write"])
    ok(await post(client, agents_only, "add-agent", name="Eve"))
    refused = await post(client, agents_only, "add-team", name="Sales")
    assert body(refused) == teams_denied
    assert await Agent.filter(account_id=tenant.account.id).count() == 2
    assert await Team.filter(account_id=tenant.account.id).count() == 1
