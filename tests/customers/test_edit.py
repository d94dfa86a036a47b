"""edit-customer: partial updates, custom fields and the 15-name cap."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from mumble.bots.service import create_bot
from mumble.models import CustomFieldDefinition
from tests.conftest import Tenant
from tests.customers.support import PHONE, add_customer, get_customer

TOO_MANY = "Cannot add more than 15 custom fields per account"


async def _edit(client: httpx.AsyncClient, tenant: Tenant, **fields: Any) -> httpx.Response:
    return await client.post(
        "/mumbleapi/edit-customer",
        json={"customer_phone": PHONE, **fields},
        headers=tenant.headers,
    )


async def test_edit_updates_sent_fields_and_reports_custom_fields(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await add_customer(client, tenant, name="John Doe", email="john@example.com", source="web")
    response = await _edit(
        client,
        tenant,
        name="Jane Doe",
        email="jane@example.com",
        company_size="50-100",
        lead_score="85",
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "success": True,
        "message": "Customer updated successfully",
        "custom_fields_processed": ["company_size", "lead_score"],
    }
    customer = (await get_customer(client, tenant)).json()["customer"]
    assert customer["name"] == "Jane Doe"
    assert customer["email"] == "jane@example.com"
    assert customer["source"] == "web"  # not sent: unchanged
    assert customer["custom_fields"] == {"company_size": "50-100", "lead_score": "85"}


async def test_fields_not_sent_are_unchanged(client: httpx.AsyncClient, tenant: Tenant) -> None:
    await add_customer(
        client, tenant, name="Keep", email="k@example.com", utm_source="google", tier="gold"
    )
    response = await _edit(client, tenant, utm_medium="cpc", score=3)
    assert response.status_code == 200
    assert response.json()["custom_fields_processed"] == ["score"]
    customer = (await get_customer(client, tenant)).json()["customer"]
    assert customer["name"] == "Keep"
    assert customer["email"] == "k@example.com"
    assert customer["attribution"] == {"utm_source": "google", "utm_medium": "cpc"}
    assert customer["custom_fields"] == {"tier": "gold", "score": 3}


async def test_null_clears_a_field(client: httpx.AsyncClient, tenant: Tenant) -> None:
    await add_customer(client, tenant, name="Gone", email="g@example.com", utm_term="x", tier="t")
    response = await _edit(client, tenant, email=None, utm_term=None, tier=None, name="")
    assert response.status_code == 200
    customer = (await get_customer(client, tenant)).json()["customer"]
    assert customer["email"] is None
    assert customer["name"] is None
    assert customer["attribution"] == {}
    assert customer["custom_fields"] == {}


async def test_edit_with_a_form_body(client: httpx.AsyncClient, tenant: Tenant) -> None:
    await add_customer(client, tenant, name="Before")
    response = await client.post(
        "/mumbleapi/edit-customer",
        data={"customer_phone": PHONE, "name": "After", "region": "north"},
        headers=tenant.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["custom_fields_processed"] == ["region"]
    customer = (await get_customer(client, tenant)).json()["customer"]
    assert customer["name"] == "After"
    assert customer["custom_fields"] == {"region": "north"}


async def test_edit_unknown_customer_is_404(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await _edit(client, tenant, name="Nobody", new_field="x")
    assert response.status_code == 404
    assert response.json() == {"error": True, "message": "Customer not found"}
    assert await CustomFieldDefinition.all().count() == 0


async def test_edit_without_phone_is_400(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.post(
        "/mumbleapi/edit-customer", json={"name": "x"}, headers=tenant.headers
    )
    assert response.status_code == 400
    assert response.json() == {"error": True, "message": "Phone number is required."}


async def test_edit_bot_token(client: httpx.AsyncClient, tenant: Tenant) -> None:
    await add_customer(client, tenant)
    bot = await create_bot(tenant.account.id, "Flow")
    assert (await _edit(client, tenant, bot_token=str(bot.id))).status_code == 200
    customer = (await get_customer(client, tenant)).json()["customer"]
    assert customer["bot"] == {"type": "flow", "id": str(bot.id), "name": "Flow"}
    missing = await _edit(client, tenant, bot_token="nope", name="Unchanged?")
    assert missing.status_code == 404
    assert missing.json() == {"error": True, "message": "Bot not found."}
    customer = (await get_customer(client, tenant)).json()["customer"]
    assert customer["name"] is None
    assert customer["bot"]["type"] == "flow"


async def test_fifteen_custom_field_names_per_account_across_customers(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    await add_customer(client, tenant, "15550000001", **{f"f{i}": i for i in range(10)})
    await add_customer(client, tenant, "15550000002", **{f"f{i}": "again" for i in range(5)})
    await add_customer(client, tenant, PHONE)
    # Five more distinct names reach exactly 15.
    assert (await _edit(client, tenant, **{f"g{i}": i for i in range(5)})).status_code == 200
    sixteenth = await _edit(client, tenant, f0="reuse is fine", h0="new name")
    assert sixteenth.status_code == 400
    assert sixteenth.json() == {"error": True, "message": TOO_MANY}
    # The whole edit was refused: the known name f0 was not written either.
    customer = (await get_customer(client, tenant)).json()["customer"]
    assert "f0" not in customer["custom_fields"]
    # Existing names stay usable, on any customer.
    assert (await _edit(client, tenant, f0="reuse is fine")).status_code == 200
    on_add = await client.post(
        "/mumbleapi/add-new-customer",
        json={"customer_phone": "15550000003", "brand_new": 1},
        headers=tenant.headers,
    )
    assert on_add.status_code == 400
    assert on_add.json() == {"error": True, "message": TOO_MANY}
    assert (await get_customer(client, tenant, "15550000003")).status_code == 404
    assert await CustomFieldDefinition.filter(account_id=tenant.account.id).count() == 15
    # The cap is per account.
    await add_customer(client, other_tenant, PHONE, brand_new=1)


async def test_sixteen_new_names_in_one_request_are_refused(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await add_customer(client, tenant)
    response = await _edit(client, tenant, **{f"c{i}": i for i in range(16)})
    assert response.status_code == 400
    assert response.json()["message"] == TOO_MANY
    assert await CustomFieldDefinition.all().count() == 0


async def test_concurrent_edits_never_pass_fifteen_names(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    phones = [f"1555000{i:04d}" for i in range(8)]
    for phone in phones:
        await add_customer(client, tenant, phone)
    base = await client.post(
        "/mumbleapi/edit-customer",
        json={"customer_phone": phones[0], **{f"base{i}": i for i in range(12)}},
        headers=tenant.headers,
    )
    assert base.status_code == 200

    async def edit(index: int) -> int:
        response = await client.post(
            "/mumbleapi/edit-customer",
            json={"customer_phone": phones[index], f"race{index}": index},
            headers=tenant.headers,
        )
        return response.status_code

    statuses = await asyncio.gather(*(edit(i) for i in range(8)))
    assert sorted(statuses) == [200] * 3 + [400] * 5
    assert await CustomFieldDefinition.filter(account_id=tenant.account.id).count() == 15


async def test_changing_only_a_values_type_is_stored(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await add_customer(client, tenant, flag=1)
    assert (await _edit(client, tenant, flag=True)).status_code == 200
    customer = (await get_customer(client, tenant)).json()["customer"]
    assert customer["custom_fields"] == {"flag": True}
    assert customer["custom_fields"]["flag"] is True
