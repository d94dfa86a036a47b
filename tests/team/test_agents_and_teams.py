"""get-agents and get-teams: the account's agents and teams, created by the admin CLI."""

from __future__ import annotations

import httpx

from mumble.team import service
from tests.conftest import Tenant


async def test_agents_are_listed_with_name_and_id(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    first = await service.create_agent(tenant.account.id, "Dana Levi", "dana@example.com")
    second = await service.create_agent(tenant.account.id, "עומר 👋")
    response = await client.get("/mumbleapi/get-agents", headers=tenant.headers)
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "agents": [
            {"name": "Dana Levi", "id": str(first.id)},
            {"name": "עומר 👋", "id": str(second.id)},
        ],
    }


async def test_agents_of_a_new_account_are_empty(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.get("/mumbleapi/get-agents", headers=tenant.headers)
    assert response.json() == {"success": True, "agents": []}


async def test_teams_are_listed_with_their_members(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    dana = await service.create_agent(tenant.account.id, "Dana")
    omer = await service.create_agent(tenant.account.id, "Omer")
    sales = await service.create_team(tenant.account.id, "Sales", [str(dana.id), str(omer.id)])
    support = await service.create_team(tenant.account.id, "Support")
    response = await client.get("/mumbleapi/get-teams", headers=tenant.headers)
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "teams": [
            {
                "name": "Sales",
                "id": str(sales.id),
                "members": [
                    {"name": "Dana", "id": str(dana.id)},
                    {"name": "Omer", "id": str(omer.id)},
                ],
            },
            {"name": "Support", "id": str(support.id), "members": []},
        ],
    }


async def test_teams_of_a_new_account_are_empty(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.get("/mumbleapi/get-teams", headers=tenant.headers)
    assert response.json() == {"success": True, "teams": []}


async def test_another_account_sees_none_of_the_agents_or_teams(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    agent = await service.create_agent(tenant.account.id, "Dana")
    await service.create_team(tenant.account.id, "Sales", [str(agent.id)])
    agents = await client.get("/mumbleapi/get-agents", headers=other_tenant.headers)
    teams = await client.get("/mumbleapi/get-teams", headers=other_tenant.headers)
    assert agents.json() == {"success": True, "agents": []}
    assert teams.json() == {"success": True, "teams": []}


async def test_listing_ignores_query_string_parameters(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await service.create_agent(tenant.account.id, "Dana")
    response = await client.get(
        "/mumbleapi/get-agents", params={"page": "2"}, headers=tenant.headers
    )
    assert response.status_code == 200
    assert [agent["name"] for agent in response.json()["agents"]] == ["Dana"]


async def test_agent_and_team_listings_require_a_key(client: httpx.AsyncClient) -> None:
    for path in ("/mumbleapi/get-agents", "/mumbleapi/get-teams"):
        response = await client.get(path, headers={"Mumble-Api-Key": "mbl_wrong"})
        assert response.status_code == 401
        assert response.json() == {"error": True, "message": "Unauthorized"}
