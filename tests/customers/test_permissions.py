"""Keys whose role lacks a customers permission are refused with the endpoint's wording."""

from __future__ import annotations

import httpx

from mumble.models import Customer
from mumble.team.service import create_agent
from tests.access import key_with_permissions
from tests.conftest import Tenant
from tests.customers.support import PHONE, add_customer


async def test_read_only_key_reads_but_cannot_write_or_assign(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await add_customer(client, tenant, name="Guarded")
    agent = await create_agent(tenant.account.id, "Ann")
    reader = await key_with_permissions(tenant.account, "reader", ["customers:read"])
    got = await client.get(
        "/mumbleapi/get-customer", params={"customer_phone": PHONE}, headers=reader
    )
    assert got.status_code == 200
    listed = await client.get("/mumbleapi/get-all-customers", headers=reader)
    assert listed.json()["total"] == 1
    for method, path, body, denial in (
        ("POST", "add-new-customer", {"customer_phone": "15550001234"}, "add customers"),
        ("POST", "edit-customer", {"name": "x"}, "edit customers"),
        ("DELETE", "delete-customer", {}, "delete customers"),
        (
            "POST",
            "edit-customer-conv-status",
            {"status": "open"},
            "edit customer conversation status",
        ),
        (
            "POST",
            "assign-customer-to-agent",
            {"agent_id": str(agent.id)},
            "assign customers to agents",
        ),
        ("POST", "assign-customer-to-team", {"team_id": "x"}, "assign customers to teams"),
    ):
        response = await client.request(
            method,
            f"/mumbleapi/{path}",
            json={"customer_phone": PHONE, **body},
            headers=reader,
        )
        assert response.status_code == 401, path
        assert response.json() == {"error": True, "message": f"User not authorized to {denial}."}
    customer = await Customer.get(phone=PHONE)
    assert customer.name == "Guarded"
    assert customer.agent_id is None  # type: ignore[attr-defined]
    assert await Customer.all().count() == 1


async def test_writer_without_read_cannot_read(client: httpx.AsyncClient, tenant: Tenant) -> None:
    writer = await key_with_permissions(tenant.account, "writer", ["customers:write"])
    added = await client.post(
        "/mumbleapi/add-new-customer", json={"customer_phone": PHONE}, headers=writer
    )
    assert added.status_code == 200
    got = await client.get(
        "/mumbleapi/get-customer", params={"customer_phone": PHONE}, headers=writer
    )
    assert got.status_code == 401
    assert got.json() == {"error": True, "message": "User not authorized to read customers."}
