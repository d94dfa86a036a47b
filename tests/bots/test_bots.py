"""get-bots and assign-bot."""

from __future__ import annotations

import uuid

import httpx
import pytest

from mumble.bots import service
from mumble.models import Customer, Event
from tests.api import post
from tests.conftest import Tenant

PHONE = "972501234567"


async def _customer(tenant: Tenant, phone: str = PHONE) -> Customer:
    return await Customer.create(account_id=tenant.account.id, phone=phone)


async def test_bots_are_listed_with_id_and_name(client: httpx.AsyncClient, tenant: Tenant) -> None:
    first = await service.create_bot(tenant.account.id, "Welcome flow")
    second = await service.create_bot(tenant.account.id, "בוט מכירות")
    response = await client.get("/mumbleapi/get-bots", headers=tenant.headers)
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "bots": [
            {"id": str(first.id), "name": "Welcome flow"},
            {"id": str(second.id), "name": "בוט מכירות"},
        ],
    }


async def test_bots_of_a_new_account_are_empty(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.get("/mumbleapi/get-bots", headers=tenant.headers)
    assert response.json() == {"success": True, "bots": []}


async def test_another_account_sees_none_of_the_bots(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    await service.create_bot(tenant.account.id, "Welcome flow")
    response = await client.get("/mumbleapi/get-bots", headers=other_tenant.headers)
    assert response.json() == {"success": True, "bots": []}


async def test_flow_bot_is_assigned_by_its_id(client: httpx.AsyncClient, tenant: Tenant) -> None:
    customer = await _customer(tenant)
    bot = await service.create_bot(tenant.account.id, "Welcome flow")
    response = await post(
        client, tenant, "assign-bot", {"customer_phone": PHONE, "bot_token": str(bot.id)}
    )
    assert response.status_code == 200
    assert response.json() == {"success": True, "message": "Bot assigned successfully"}
    stored = await Customer.get(id=customer.id)
    assert stored.bot_id == bot.id  # type: ignore[attr-defined]
    assert stored.bot_mode == "bot"
    event = await Event.get(type="customer.assigned")
    assert event.customer_id == customer.id
    assert event.data["bot"] == {"type": "flow", "id": str(bot.id), "name": "Welcome flow"}
    assert event.data["customer"]["id"] == str(customer.id)


async def test_ai_assistant_is_assigned(client: httpx.AsyncClient, tenant: Tenant) -> None:
    customer = await _customer(tenant)
    bot = await service.create_bot(tenant.account.id, "Welcome flow")
    await Customer.filter(id=customer.id).update(bot_id=bot.id, bot_mode="bot")
    response = await post(
        client, tenant, "assign-bot", {"customer_phone": PHONE, "bot_token": "AI"}
    )
    assert response.status_code == 200
    assert response.json() == {"success": True, "message": "Bot assigned successfully"}
    stored = await Customer.get(id=customer.id)
    assert stored.bot_id is None  # type: ignore[attr-defined]
    assert stored.bot_mode == "AI"


async def test_ai_token_is_read_case_insensitively_like_add_new_customer(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    customer = await _customer(tenant)
    response = await post(
        client, tenant, "assign-bot", {"customer_phone": PHONE, "bot_token": "ai"}
    )
    assert response.status_code == 200
    assert (await Customer.get(id=customer.id)).bot_mode == "AI"


async def test_bots_are_turned_off(client: httpx.AsyncClient, tenant: Tenant) -> None:
    customer = await _customer(tenant)
    assert (
        await post(client, tenant, "assign-bot", {"customer_phone": PHONE, "bot_token": "AI"})
    ).is_success
    response = await post(
        client, tenant, "assign-bot", {"customer_phone": PHONE, "bot_token": "turn_off"}
    )
    assert response.status_code == 200
    stored = await Customer.get(id=customer.id)
    assert stored.bot_id is None  # type: ignore[attr-defined]
    assert stored.bot_mode == "off"
    assert await Event.filter(type="customer.assigned").count() == 2


async def test_assigning_the_same_bot_again_records_no_new_event(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await _customer(tenant)
    body = {"customer_phone": PHONE, "bot_token": "AI"}
    for _ in range(2):
        response = await post(client, tenant, "assign-bot", body)
        assert response.status_code == 200
    assert await Event.filter(type="customer.assigned").count() == 1


async def test_assign_takes_its_parameters_from_a_form_or_query_string(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    customer = await _customer(tenant)
    form = await client.post(
        "/mumbleapi/assign-bot",
        data={"customer_phone": PHONE, "bot_token": "AI"},
        headers=tenant.headers,
    )
    assert form.status_code == 200
    query = await client.post(
        "/mumbleapi/assign-bot",
        params={"customer_phone": PHONE, "bot_token": "turn_off"},
        headers=tenant.headers,
    )
    assert query.status_code == 200
    assert (await Customer.get(id=customer.id)).bot_mode == "off"


@pytest.mark.parametrize(
    "token",
    ["off", "bot", "AIx", "not-a-uuid", str(uuid.uuid4()), "12345"],
)
async def test_unknown_bot_token_is_404(
    client: httpx.AsyncClient, tenant: Tenant, token: str
) -> None:
    customer = await _customer(tenant)
    response = await post(
        client, tenant, "assign-bot", {"customer_phone": PHONE, "bot_token": token}
    )
    assert response.status_code == 404
    assert response.json() == {"error": True, "message": "Bot not found."}
    assert (await Customer.get(id=customer.id)).bot_mode is None
    assert await Event.filter(type="customer.assigned").count() == 0


async def test_numeric_bot_token_is_not_found(client: httpx.AsyncClient, tenant: Tenant) -> None:
    await _customer(tenant)
    response = await post(client, tenant, "assign-bot", {"customer_phone": PHONE, "bot_token": 42})
    assert response.status_code == 404
    assert response.json() == {"error": True, "message": "Bot not found."}


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"bot_token": "AI"}, 400, "Phone number is required."),
        ({"customer_phone": " ", "bot_token": "AI"}, 400, "Phone number is required."),
        ({"customer_phone": PHONE}, 400, "Bot token is required."),
        ({"customer_phone": PHONE, "bot_token": ""}, 400, "Bot token is required."),
        ({"customer_phone": PHONE, "bot_token": ["AI"]}, 400, "'bot_token' must be a string"),
        ({"customer_phone": PHONE, "bot_token": {"id": 1}}, 400, "'bot_token' must be a string"),
        ({"customer_phone": "972509999999", "bot_token": "AI"}, 404, "Customer not found"),
    ],
)
async def test_assign_refuses_bad_input(
    client: httpx.AsyncClient,
    tenant: Tenant,
    body: dict[str, object],
    status: int,
    message: str,
) -> None:
    customer = await _customer(tenant)
    response = await post(client, tenant, "assign-bot", body)
    assert response.status_code == status
    assert response.json() == {"error": True, "message": message}
    assert (await Customer.get(id=customer.id)).bot_mode is None


async def test_another_accounts_bot_is_not_found(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = await service.create_bot(tenant.account.id, "Welcome flow")
    customer = await _customer(other_tenant)
    response = await post(
        client, other_tenant, "assign-bot", {"customer_phone": PHONE, "bot_token": str(theirs.id)}
    )
    assert response.status_code == 404
    assert response.json() == {"error": True, "message": "Bot not found."}
    assert (await Customer.get(id=customer.id)).bot_mode is None


async def test_another_account_cannot_assign_a_bot_to_the_first_accounts_customer(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    customer = await _customer(tenant)
    response = await post(
        client, other_tenant, "assign-bot", {"customer_phone": PHONE, "bot_token": "AI"}
    )
    assert response.status_code == 404
    assert response.json() == {"error": True, "message": "Customer not found"}
    assert (await Customer.get(id=customer.id)).bot_mode is None
