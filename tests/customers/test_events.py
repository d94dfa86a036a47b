"""Every customer write records its event in the outbox, in the same transaction."""

from __future__ import annotations

from typing import Any

import httpx

from mumble.models import Customer, Event
from mumble.team.service import create_agent, create_team
from tests.conftest import Tenant
from tests.customers.support import PHONE, add_customer, get_customer


async def _events(tenant: Tenant) -> list[dict[str, Any]]:
    return list(
        await Event.filter(account_id=tenant.account.id)
        .order_by("seq")
        .values("type", "customer_id", "data")
    )


async def test_each_write_records_one_event(client: httpx.AsyncClient, tenant: Tenant) -> None:
    headers = tenant.headers
    await add_customer(client, tenant, name="Ev", utm_source="google")
    customer = await Customer.get(phone=PHONE)
    agent = await create_agent(tenant.account.id, "Ann")
    team = await create_team(tenant.account.id, "Support", [str(agent.id)])
    for path, body in (
        ("edit-customer", {"name": "Eve", "tier": "gold"}),
        ("edit-customer-conv-status", {"status": "open"}),
        ("assign-customer-to-agent", {"agent_id": str(agent.id)}),
        ("assign-customer-to-team", {"team_id": str(team.id)}),
    ):
        response = await client.post(
            f"/mumbleapi/{path}", json={"customer_phone": PHONE, **body}, headers=headers
        )
        assert response.status_code == 200, response.text
    view = (await get_customer(client, tenant)).json()["customer"]
    await client.delete(
        "/mumbleapi/delete-customer", params={"customer_phone": PHONE}, headers=headers
    )

    events = await _events(tenant)
    assert [event["type"] for event in events] == [
        "customer.created",
        "customer.updated",
        "customer.conversation_status_changed",
        "customer.assigned",
        "customer.assigned",
        "customer.deleted",
    ]
    assert all(event["customer_id"] == customer.id for event in events)
    created, updated, status, to_agent, to_team, deleted = (event["data"] for event in events)
    assert created["customer"]["name"] == "Ev"
    assert created["customer"]["attribution"] == {"utm_source": "google"}
    assert updated["customer"]["name"] == "Eve"
    assert updated["customer"]["custom_fields"] == {"tier": "gold"}
    assert set(updated["changed"]) == {"name", "custom_fields"}
    assert status["previous_status"] == "new"
    assert status["status"] == "open"
    assert status["customer"]["conversation_status"] == "open"
    assert to_agent["agent"] == {"id": str(agent.id), "name": "Ann"}
    assert to_agent["customer"]["agent"] == {"id": str(agent.id), "name": "Ann"}
    assert to_team["team"] == {"id": str(team.id), "name": "Support"}
    # The deleted event carries the customer as it was last shown.
    assert deleted["customer"] == view
    assert all("occurred_at" in event["data"] for event in events)


async def test_no_event_when_nothing_changed_or_the_write_failed(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await add_customer(client, tenant, name="Same")
    headers = tenant.headers
    await client.post(
        "/mumbleapi/edit-customer", json={"customer_phone": PHONE, "name": "Same"}, headers=headers
    )
    await client.post(
        "/mumbleapi/edit-customer-conv-status",
        json={"customer_phone": PHONE, "status": "new"},
        headers=headers,
    )
    refused = await client.post(
        "/mumbleapi/edit-customer",
        json={"customer_phone": PHONE, "name": "X", **{f"f{i}": i for i in range(16)}},
        headers=headers,
    )
    assert refused.status_code == 400
    duplicate = await client.post(
        "/mumbleapi/add-new-customer", json={"customer_phone": PHONE}, headers=headers
    )
    assert duplicate.status_code == 409
    assert [event["type"] for event in await _events(tenant)] == ["customer.created"]
