"""One person, one customer: national number forms and BSUID-only users."""

from __future__ import annotations

import httpx
import pytest

from mumble.inbound.identity import phone_variants
from mumble.models import Customer, Event, Message
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import customer_writes


@pytest.mark.parametrize(
    ("phone", "variants"),
    [
        ("5511987654321", ["5511987654321", "551187654321"]),  # Brazil, with the 9th digit
        ("551187654321", ["551187654321", "5511987654321"]),  # Brazil, without it
        ("551133334444", ["551133334444"]),  # Brazilian landline: no 9 to add
        ("5215512345678", ["5215512345678", "525512345678"]),  # Mexico 521 -> 52
        ("525512345678", ["525512345678", "5215512345678"]),
        ("5491123456789", ["5491123456789", "541123456789"]),  # Argentina 549 -> 54
        ("541123456789", ["541123456789", "5491123456789"]),
        ("972501234567", ["972501234567"]),
        ("16505551234", ["16505551234"]),
    ],
)
def test_phone_variants(phone: str, variants: list[str]) -> None:
    assert phone_variants(phone) == variants


@pytest.mark.parametrize(
    ("stored", "wa_id"),
    [
        ("5511987654321", "551187654321"),
        ("551187654321", "5511987654321"),
        ("525512345678", "5215512345678"),
        ("5215512345678", "525512345678"),
        ("541123456789", "5491123456789"),
        ("5491123456789", "541123456789"),
    ],
)
async def test_inbound_wa_id_finds_the_customer_stored_in_another_national_form(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, stored: str, wa_id: str
) -> None:
    created = await client.post(
        "/mumbleapi/add-new-customer",
        json={"customer_phone": stored, "name": "CRM"},
        headers=tenant.headers,
    )
    assert created.status_code == 200
    await customer_writes(sandbox, tenant, wa_id, text="hola")
    customers = await Customer.filter(account_id=tenant.account.id)
    assert [c.phone for c in customers] == [stored]
    conv = await client.get(
        "/mumbleapi/get-conversation", params={"customer_phone": stored}, headers=tenant.headers
    )
    assert [m["text"] for m in conv.json()["messages"]] == ["hola"]
    active = await client.get(
        "/mumbleapi/is-active-conv", params={"customer_phone": stored}, headers=tenant.headers
    )
    assert active.json()["is_active"] is True


async def test_a_bsuid_only_user_is_stored_and_shown(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    result = await customer_writes(
        sandbox,
        tenant,
        None,
        text="hi from a username",
        user_id="US.13491208655302741918",
        username="dana.c",
        name="Dana",
    )
    customer = await Customer.get(account_id=tenant.account.id, bsuid="US.13491208655302741918")
    assert customer.phone is None
    assert customer.name == "Dana"
    message = await Message.get(account_id=tenant.account.id, wamid=result["id"])
    assert message.customer_id == customer.id  # type: ignore[attr-defined]  # FK column
    shown = await client.get(
        "/mumbleapi/get-message", params={"message_wa_id": result["id"]}, headers=tenant.headers
    )
    assert shown.status_code == 200
    assert shown.json()["message"]["from"] == "US.13491208655302741918"
    assert shown.json()["message"]["text"] == "hi from a username"
    conv = await client.get(
        "/mumbleapi/get-conversation",
        params={"customer_bsuid": "US.13491208655302741918"},
        headers=tenant.headers,
    )
    assert conv.status_code == 200
    assert [m["text"] for m in conv.json()["messages"]] == ["hi from a username"]
    assert conv.json()["messages"][0]["from"] == "US.13491208655302741918"
    # The same user writes again: still one customer.
    await customer_writes(sandbox, tenant, None, text="again", user_id="US.13491208655302741918")
    assert await Customer.filter(account_id=tenant.account.id).count() == 1
    assert await Message.filter(customer_id=customer.id).count() == 2


async def test_a_bsuid_learned_with_a_phone_links_later_bsuid_only_messages(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, "972501234567", text="one", user_id="IL.555")
    await customer_writes(sandbox, tenant, None, text="two", user_id="IL.555")
    customers = await Customer.filter(account_id=tenant.account.id)
    assert len(customers) == 1
    assert (customers[0].phone, customers[0].bsuid) == ("972501234567", "IL.555")
    conv = await client.get(
        "/mumbleapi/get-conversation",
        params={"customer_phone": "972501234567"},
        headers=tenant.headers,
    )
    assert [m["text"] for m in conv.json()["messages"]] == ["one", "two"]


async def test_a_profile_name_filled_in_by_an_inbound_message_records_customer_updated(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    created = await client.post(
        "/mumbleapi/add-new-customer",
        json={"customer_phone": "972501234567"},
        headers=tenant.headers,
    )
    assert created.status_code == 200
    await customer_writes(sandbox, tenant, "972501234567", text="hi", name="Dana")
    customer = await Customer.get(account_id=tenant.account.id, phone="972501234567")
    assert customer.name == "Dana"
    updates = await Event.filter(account_id=tenant.account.id, type="customer.updated")
    assert len(updates) == 1
    assert updates[0].data["changed"] == ["name"]
    assert updates[0].data["customer"]["name"] == "Dana"
