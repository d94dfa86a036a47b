"""delete-customer: the customer, its label links and its conversation go."""

from __future__ import annotations

import datetime as dt

import httpx

from mumble.models import Customer, CustomerLabel, Label, Message
from tests.conftest import Tenant
from tests.customers.support import PHONE, add_customer, get_customer


async def test_delete_removes_customer_label_links_and_messages(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await add_customer(client, tenant, name="Leaving")
    await add_customer(client, tenant, "15550000009", name="Staying")
    customer = await Customer.get(phone=PHONE)
    stays = await Customer.get(phone="15550000009")
    label = await Label.create(account_id=tenant.account.id, name="VIP")
    await CustomerLabel.create(customer=customer, label=label)
    await CustomerLabel.create(customer=stays, label=label)
    now = dt.datetime.now(dt.UTC)
    for who in (customer, stays):
        await Message.create(
            account_id=tenant.account.id,
            customer=who,
            direction="inbound",
            type="text",
            text="hi",
            status="received",
            occurred_at=now,
        )

    response = await client.request(
        "DELETE",
        "/mumbleapi/delete-customer",
        json={"customer_phone": PHONE},
        headers=tenant.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"success": True, "message": "Customer deleted successfully"}
    assert (await get_customer(client, tenant)).status_code == 404
    assert await Customer.filter(id=customer.id).count() == 0
    assert await CustomerLabel.filter(customer_id=customer.id).count() == 0
    assert await Message.filter(customer_id=customer.id).count() == 0
    # Everything else is untouched.
    assert await Label.filter(id=label.id).count() == 1
    assert await CustomerLabel.filter(customer_id=stays.id).count() == 1
    assert await Message.filter(customer_id=stays.id).count() == 1


async def test_delete_with_phone_in_the_query_string(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await add_customer(client, tenant)
    response = await client.delete(
        "/mumbleapi/delete-customer",
        params={"customer_phone": "+972-50-123-4567"},
        headers=tenant.headers,
    )
    assert response.status_code == 200
    assert await Customer.all().count() == 0


async def test_delete_errors(client: httpx.AsyncClient, tenant: Tenant) -> None:
    missing = await client.delete(
        "/mumbleapi/delete-customer", params={"customer_phone": PHONE}, headers=tenant.headers
    )
    assert missing.status_code == 404
    assert missing.json() == {"error": True, "message": "Customer not found"}
    no_phone = await client.delete("/mumbleapi/delete-customer", headers=tenant.headers)
    assert no_phone.status_code == 400
    assert no_phone.json() == {"error": True, "message": "Phone number is required."}
    wrong_method = await client.post(
        "/mumbleapi/delete-customer", json={"customer_phone": PHONE}, headers=tenant.headers
    )
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"] is True


async def test_a_deleted_phone_can_be_added_again(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await add_customer(client, tenant, name="Old")
    await client.delete(
        "/mumbleapi/delete-customer", params={"customer_phone": PHONE}, headers=tenant.headers
    )
    await add_customer(client, tenant, name="New")
    customer = (await get_customer(client, tenant)).json()["customer"]
    assert customer["name"] == "New"
    assert customer["conversation_status"] == "new"
