"""edit-customer-conv-status, assign-customer-to-agent and assign-customer-to-team."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from mumble.customers.fields import CONVERSATION_STATUSES
from mumble.team.service import create_agent, create_team
from tests.conftest import Tenant
from tests.customers.support import PHONE, add_customer, get_customer


async def _post(
    client: httpx.AsyncClient, tenant: Tenant, path: str, **body: Any
) -> httpx.Response:
    return await client.post(f"/mumbleapi/{path}", json=body, headers=tenant.headers)


async def test_every_canonical_status_is_accepted(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await add_customer(client, tenant)
    assert len(CONVERSATION_STATUSES) == 18
    for status in reversed(CONVERSATION_STATUSES):
        response = await _post(
            client, tenant, "edit-customer-conv-status", customer_phone=PHONE, status=status
        )
        assert response.status_code == 200, status
        assert response.json() == {
            "success": True,
            "message": "Customer conversation status updated successfully",
        }
        customer = (await get_customer(client, tenant)).json()["customer"]
        assert customer["conversation_status"] == status


@pytest.mark.parametrize("status", ["In Progress", "IN_PROGRESS", "unknown", "", None, 3, ["open"]])
async def test_non_canonical_status_is_400(
    client: httpx.AsyncClient, tenant: Tenant, status: object
) -> None:
    await add_customer(client, tenant)
    response = await _post(
        client, tenant, "edit-customer-conv-status", customer_phone=PHONE, status=status
    )
    assert response.status_code == 400
    assert response.json() == {"error": True, "message": "Invalid conversation status."}
    assert (await get_customer(client, tenant)).json()["customer"]["conversation_status"] == "new"


async def test_status_errors(client: httpx.AsyncClient, tenant: Tenant) -> None:
    missing = await _post(
        client, tenant, "edit-customer-conv-status", customer_phone=PHONE, status="open"
    )
    assert missing.status_code == 404
    assert missing.json() == {"error": True, "message": "Customer not found"}
    no_phone = await _post(client, tenant, "edit-customer-conv-status", status="open")
    assert no_phone.status_code == 400
    assert no_phone.json() == {"error": True, "message": "Phone number is required."}


async def test_status_with_a_form_body(client: httpx.AsyncClient, tenant: Tenant) -> None:
    await add_customer(client, tenant)
    response = await client.post(
        "/mumbleapi/edit-customer-conv-status",
        data={"customer_phone": PHONE, "status": "in_progress"},
        headers=tenant.headers,
    )
    assert response.status_code == 200
    customer = (await get_customer(client, tenant)).json()["customer"]
    assert customer["conversation_status"] == "in_progress"


async def test_assign_to_agent_and_team(client: httpx.AsyncClient, tenant: Tenant) -> None:
    await add_customer(client, tenant)
    agent = await create_agent(tenant.account.id, "Ann")
    team = await create_team(tenant.account.id, "Support", [str(agent.id)])
    to_agent = await _post(
        client, tenant, "assign-customer-to-agent", customer_phone=PHONE, agent_id=str(agent.id)
    )
    assert to_agent.status_code == 200
    assert to_agent.json() == {
        "success": True,
        "message": "Customer assigned to agent successfully",
    }
    to_team = await _post(
        client, tenant, "assign-customer-to-team", customer_phone=PHONE, team_id=str(team.id)
    )
    assert to_team.status_code == 200
    assert to_team.json() == {"success": True, "message": "Customer assigned to team successfully"}
    customer = (await get_customer(client, tenant)).json()["customer"]
    assert customer["agent"] == {"id": str(agent.id), "name": "Ann"}
    assert customer["team"] == {"id": str(team.id), "name": "Support"}


async def test_reassigning_replaces_the_agent(client: httpx.AsyncClient, tenant: Tenant) -> None:
    await add_customer(client, tenant)
    first = await create_agent(tenant.account.id, "First")
    second = await create_agent(tenant.account.id, "Second")
    for agent in (first, second):
        await _post(
            client, tenant, "assign-customer-to-agent", customer_phone=PHONE, agent_id=str(agent.id)
        )
    customer = (await get_customer(client, tenant)).json()["customer"]
    assert customer["agent"] == {"id": str(second.id), "name": "Second"}


@pytest.mark.parametrize(
    ("path", "key", "missing", "not_found"),
    [
        ("assign-customer-to-agent", "agent_id", "Agent ID is required.", "Agent not found"),
        ("assign-customer-to-team", "team_id", "Team ID is required.", "Team not found"),
    ],
)
async def test_assign_errors(
    client: httpx.AsyncClient, tenant: Tenant, path: str, key: str, missing: str, not_found: str
) -> None:
    no_phone = await _post(client, tenant, path, **{key: str(uuid.uuid4())})
    assert no_phone.status_code == 400
    assert no_phone.json() == {"error": True, "message": "Phone number is required."}
    for empty in ({}, {key: ""}, {key: None}):
        response = await _post(client, tenant, path, customer_phone=PHONE, **empty)
        assert response.status_code == 400
        assert response.json() == {"error": True, "message": missing}
    no_customer = await _post(client, tenant, path, customer_phone=PHONE, **{key: "x"})
    assert no_customer.status_code == 404
    assert no_customer.json() == {"error": True, "message": "Customer not found"}
    await add_customer(client, tenant)
    for bad_id in (str(uuid.uuid4()), "agent-uuid", "1' OR '1'='1", 42, ["x"], {"id": 1}):
        response = await _post(client, tenant, path, customer_phone=PHONE, **{key: bad_id})
        assert response.status_code == 404, bad_id
        assert response.json() == {"error": True, "message": not_found}
    customer = (await get_customer(client, tenant)).json()["customer"]
    assert customer["agent"] is None
    assert customer["team"] is None


async def test_assign_with_ids_in_the_query_string(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await add_customer(client, tenant)
    agent = await create_agent(tenant.account.id, "Query")
    response = await client.post(
        "/mumbleapi/assign-customer-to-agent",
        params={"customer_phone": PHONE, "agent_id": str(agent.id)},
        headers=tenant.headers,
    )
    assert response.status_code == 200
    assert (await get_customer(client, tenant)).json()["customer"]["agent"]["name"] == "Query"
