"""A second account's key sees and changes none of the first account's customers."""

from __future__ import annotations

import httpx

from mumble.models import Customer
from mumble.team.service import create_agent, create_team
from tests.conftest import Tenant
from tests.customers.support import PHONE, add_customer, get_customer

NOT_FOUND = {"error": True, "message": "Customer not found"}


async def test_other_account_sees_none_of_the_customers(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    await add_customer(client, tenant, name="Mine", tier="gold")
    theirs = other_tenant.headers
    got = await get_customer(client, other_tenant)
    assert got.status_code == 404
    assert got.json() == NOT_FOUND
    listed = await client.get("/mumbleapi/get-all-customers", headers=theirs)
    assert listed.json()["customers"] == []
    assert listed.json()["total"] == 0
    for path, body in (
        ("edit-customer", {"name": "Hijacked"}),
        ("edit-customer-conv-status", {"status": "spam"}),
        ("assign-customer-to-agent", {"agent_id": "x"}),
        ("assign-customer-to-team", {"team_id": "x"}),
    ):
        response = await client.post(
            f"/mumbleapi/{path}", json={"customer_phone": PHONE, **body}, headers=theirs
        )
        assert response.status_code == 404, path
        assert response.json() == NOT_FOUND
    deleted = await client.delete(
        "/mumbleapi/delete-customer", params={"customer_phone": PHONE}, headers=theirs
    )
    assert deleted.status_code == 404
    assert deleted.json() == NOT_FOUND
    mine = (await get_customer(client, tenant)).json()["customer"]
    assert mine["name"] == "Mine"
    assert mine["conversation_status"] == "new"


async def test_same_phone_in_two_accounts_are_two_customers(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    await add_customer(client, tenant, name="Mine")
    await add_customer(client, other_tenant, name="Theirs")
    assert (await get_customer(client, tenant)).json()["customer"]["name"] == "Mine"
    assert (await get_customer(client, other_tenant)).json()["customer"]["name"] == "Theirs"
    await client.delete(
        "/mumbleapi/delete-customer", params={"customer_phone": PHONE}, headers=tenant.headers
    )
    assert (await get_customer(client, other_tenant)).status_code == 200
    assert await Customer.all().count() == 1


async def test_cannot_assign_to_another_accounts_agent_or_team(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    await add_customer(client, tenant)
    foreign_agent = await create_agent(other_tenant.account.id, "Spy")
    foreign_team = await create_team(other_tenant.account.id, "Spies", [str(foreign_agent.id)])
    agent = await client.post(
        "/mumbleapi/assign-customer-to-agent",
        json={"customer_phone": PHONE, "agent_id": str(foreign_agent.id)},
        headers=tenant.headers,
    )
    assert agent.status_code == 404
    assert agent.json() == {"error": True, "message": "Agent not found"}
    team = await client.post(
        "/mumbleapi/assign-customer-to-team",
        json={"customer_phone": PHONE, "team_id": str(foreign_team.id)},
        headers=tenant.headers,
    )
    assert team.status_code == 404
    assert team.json() == {"error": True, "message": "Team not found"}
    customer = (await get_customer(client, tenant)).json()["customer"]
    assert customer["agent"] is None
    assert customer["team"] is None


async def test_every_customer_endpoint_needs_a_key(client: httpx.AsyncClient) -> None:
    for method, path in (
        ("POST", "add-new-customer"),
        ("POST", "edit-customer"),
        ("DELETE", "delete-customer"),
        ("GET", "get-customer"),
        ("GET", "get-all-customers"),
        ("POST", "edit-customer-conv-status"),
        ("POST", "assign-customer-to-agent"),
        ("POST", "assign-customer-to-team"),
    ):
        response = await client.request(
            method, f"/mumbleapi/{path}", params={"customer_phone": PHONE}
        )
        assert response.status_code == 401, path
        assert response.json() == {"error": True, "message": "Unauthorized"}
