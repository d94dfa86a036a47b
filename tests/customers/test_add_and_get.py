"""add-new-customer and get-customer."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import uuid

import httpx

from mumble.bots.service import create_bot
from mumble.customers.fields import ATTRIBUTION_FIELDS
from mumble.models import Customer, CustomFieldDefinition
from tests.conftest import Tenant
from tests.customers.support import PHONE, add_customer, get_customer
from tests.database import column


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


async def test_adding_an_existing_phone_is_409(client: httpx.AsyncClient, tenant: Tenant) -> None:
    await add_customer(client, tenant, name="First")
    response = await client.post(
        "/mumbleapi/add-new-customer",
        json={"customer_phone": "972-50-123-4567", "name": "Second"},
        headers=tenant.headers,
    )
    assert response.status_code == 409
    assert response.json() == {"error": True, "message": "Customer already exists"}
    assert (await get_customer(client, tenant)).json()["customer"]["name"] == "First"
    assert await Customer.all().count() == 1


async def test_add_without_phone_is_400(client: httpx.AsyncClient, tenant: Tenant) -> None:
    for body in ({"name": "No phone"}, {"customer_phone": ""}, {"customer_phone": None}):
        response = await client.post(
            "/mumbleapi/add-new-customer", json=body, headers=tenant.headers
        )
        assert response.status_code == 400
        assert response.json() == {"error": True, "message": "Phone number is required."}
    assert await Customer.all().count() == 0


async def test_get_customer_errors(client: httpx.AsyncClient, tenant: Tenant) -> None:
    missing = await get_customer(client, tenant, "15550001111")
    assert missing.status_code == 404
    assert missing.json() == {"error": True, "message": "Customer not found"}
    no_phone = await client.get("/mumbleapi/get-customer", headers=tenant.headers)
    assert no_phone.status_code == 400
    assert no_phone.json() == {"error": True, "message": "Phone number is required."}
    short = await get_customer(client, tenant, "12345")
    assert short.status_code == 400
    assert short.json()["message"].startswith("Invalid phone number")


async def test_get_customer_accepts_a_json_body_on_get(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await add_customer(client, tenant, name="Body")
    response = await client.request(
        "GET",
        "/mumbleapi/get-customer",
        json={"customer_phone": PHONE},
        headers=tenant.headers,
    )
    assert response.status_code == 200
    assert response.json()["customer"]["name"] == "Body"


async def test_add_with_a_form_body(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.post(
        "/mumbleapi/add-new-customer",
        data={
            "customer_phone": "+1 (415) 555-2671",
            "name": "Form Person",
            "utm_medium": "cpc",
            "lead_score": "85",
        },
        headers=tenant.headers,
    )
    assert response.status_code == 200, response.text
    customer = (await get_customer(client, tenant, "14155552671")).json()["customer"]
    assert customer["name"] == "Form Person"
    assert customer["country"] == "US"
    assert customer["attribution"] == {"utm_medium": "cpc"}
    assert customer["custom_fields"] == {"lead_score": "85"}


async def test_all_33_attribution_fields_round_trip(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    sent = {name: f"value-{index}" for index, name in enumerate(ATTRIBUTION_FIELDS)}
    sent["current_url"] = "https://shop.example/landing?x=" + "y" * 1500
    await add_customer(client, tenant, **sent)
    customer = (await get_customer(client, tenant)).json()["customer"]
    assert len(ATTRIBUTION_FIELDS) == 33
    assert customer["attribution"] == sent
    assert customer["custom_fields"] == {}
    assert (await CustomFieldDefinition.all().count()) == 0


async def test_custom_fields_are_accepted_on_add(client: httpx.AsyncClient, tenant: Tenant) -> None:
    await add_customer(
        client, tenant, company_size="50-100", lead_score=85, vip=True, ratio=0.5, note=""
    )
    customer = (await get_customer(client, tenant)).json()["customer"]
    assert customer["custom_fields"] == {
        "company_size": "50-100",
        "lead_score": 85,
        "vip": True,
        "ratio": 0.5,
        "note": "",
    }
    names = column(
        await CustomFieldDefinition.filter(account_id=tenant.account.id).values_list(
            "name", flat=True
        )
    )
    assert sorted(names) == ["company_size", "lead_score", "note", "ratio", "vip"]


async def test_bot_token_on_add(client: httpx.AsyncClient, tenant: Tenant) -> None:
    bot = await create_bot(tenant.account.id, "Sales flow")
    await add_customer(client, tenant, "15550000001", bot_token=str(bot.id))
    await add_customer(client, tenant, "15550000002", bot_token="turn_off")
    flow = (await get_customer(client, tenant, "15550000001")).json()["customer"]
    assert flow["bot"] == {"type": "flow", "id": str(bot.id), "name": "Sales flow"}
    off = (await get_customer(client, tenant, "15550000002")).json()["customer"]
    assert off["bot"] == {"type": "turn_off", "id": None, "name": None}


async def test_unknown_bot_token_on_add_is_404_and_adds_nothing(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    foreign = await create_bot(other_tenant.account.id, "Not yours")
    for token in ("no-such-bot", str(uuid.uuid4()), str(foreign.id), "' OR 1=1 --"):
        response = await client.post(
            "/mumbleapi/add-new-customer",
            json={"customer_phone": PHONE, "bot_token": token},
            headers=tenant.headers,
        )
        assert response.status_code == 404, token
        assert response.json() == {"error": True, "message": "Bot not found."}
    assert await Customer.all().count() == 0


async def test_last_interaction_is_iso_utc_without_offset(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await add_customer(client, tenant)
    israel = dt.timezone(dt.timedelta(hours=3))
    await Customer.filter(phone=PHONE).update(
        last_interaction=dt.datetime(2026, 6, 29, 3, 0, 5, 123456, tzinfo=israel)
    )
    customer = (await get_customer(client, tenant)).json()["customer"]
    assert customer["last_interaction"] == "2026-06-29T00:00:05"


async def test_concurrent_adds_of_one_phone_make_one_customer(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    async def add(index: int) -> int:
        response = await client.post(
            "/mumbleapi/add-new-customer",
            json={"customer_phone": PHONE, "name": f"n{index}"},
            headers=tenant.headers,
        )
        return response.status_code

    statuses = await asyncio.gather(*(add(i) for i in range(6)))
    assert sorted(statuses) == [200] + [409] * 5
    assert await Customer.all().count() == 1
