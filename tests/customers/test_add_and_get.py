"""add-new-customer and get-customer."""

from __future__ import annotations

import re
import uuid

import httpx

from mumble.models import Customer
from tests.conftest import Tenant
from tests.customers.helpers import PHONE, add_customer, get_customer


async def test_added_customer_is_returned_with_reference_fields(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.post(
        "/mumbleapi/add-new-customer",
        json={
            "customer_phone": "+972 50-123-4567",
            "name": "John Doe",
            "email": "john@example.com",
            "source": "web",
            "bot_token": "AI",
            "utm_source": "google",
            "utm_campaign": "summer_sale",
        },
        headers=tenant.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"success": True, "message": "added successfully"}

    got = await get_customer(client, tenant)
    assert got.status_code == 200
    body = got.json()
    assert body["success"] is True
    customer = body["customer"]
    uuid.UUID(customer["id"])
    assert customer["name"] == "John Doe"
    assert customer["phone"] == PHONE
    assert customer["email"] == "john@example.com"
    assert customer["country"] == "IL"
    assert customer["conversation_status"] == "new"
    assert customer["last_interaction"] is None
    assert customer["source"] == "web"
    assert customer["agent"] is None
    assert customer["team"] is None
    assert customer["bot"] == {"type": "AI", "id": None, "name": "AI"}
    assert customer["labels"] == []
    assert customer["attribution"] == {"utm_source": "google", "utm_campaign": "summer_sale"}
    assert customer["custom_fields"] == {}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", customer["created_at"])


async def test_customer_stored_for_the_callers_account(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await add_customer(client, tenant, name="Dana")
    stored = await Customer.get(phone=PHONE)
    assert stored.account_id == tenant.account.id  # type: ignore[attr-defined]
    assert stored.country == "IL"
