"""Bad input on add-new-customer / edit-customer: clear 400s naming the field, nothing written."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mumble.models import Customer, CustomFieldDefinition
from tests.conftest import Tenant
from tests.customers.support import PHONE, add_customer, get_customer

ADD_FAILED = "Failed to add customer due to invalid input"
EDIT_FAILED = "Failed to update customer due to invalid input"


async def _post(
    client: httpx.AsyncClient, tenant: Tenant, path: str, body: dict[str, Any]
) -> httpx.Response:
    return await client.post(f"/mumbleapi/{path}", json=body, headers=tenant.headers)


@pytest.mark.parametrize(
    ("body", "detail_prefix"),
    [
        ({"customer_phone": "12345"}, "customer_phone: Invalid phone number"),
        ({"customer_phone": "1" * 16}, "customer_phone: Invalid phone number"),
        ({"customer_phone": "abcdefghij"}, "customer_phone: Invalid phone number"),
        ({"customer_phone": 9.72e11}, "customer_phone: Invalid phone number"),
        ({"customer_phone": True}, "customer_phone: Invalid phone number"),
        ({"customer_phone": [PHONE]}, "customer_phone: Invalid phone number"),
        ({"customer_phone": PHONE, "name": ["John"]}, "name: must be a string"),
        ({"customer_phone": PHONE, "name": 42}, "name: must be a string"),
        ({"customer_phone": PHONE, "name": "x" * 201}, "name: too long"),
        ({"customer_phone": PHONE, "name": "bad\x00name"}, "name: must not contain NUL"),
        ({"customer_phone": PHONE, "email": "not-an-email"}, "email: Invalid email address"),
        ({"customer_phone": PHONE, "email": {"a": 1}}, "email: must be a string"),
        ({"customer_phone": PHONE, "source": "s" * 201}, "source: too long"),
        ({"customer_phone": PHONE, "bot_token": ["AI"]}, "bot_token: must be a string"),
        ({"customer_phone": PHONE, "utm_source": {"x": 1}}, "utm_source: must be a string"),
        ({"customer_phone": PHONE, "current_url": "u" * 2049}, "current_url: too long"),
        ({"customer_phone": PHONE, "plan": {"tier": "gold"}}, "plan: custom field values"),
        ({"customer_phone": PHONE, "tags": ["a", "b"]}, "tags: custom field values"),
        ({"customer_phone": PHONE, "notes": "n" * 1001}, "notes: too long"),
        ({"customer_phone": PHONE, "x" * 65: "v"}, "x" * 65 + ": invalid custom field name"),
        ({"customer_phone": PHONE, "bad name!": "v"}, "bad name!: invalid custom field name"),
        ({"customer_phone": PHONE, "1st": "v"}, "1st: invalid custom field name"),
    ],
)
async def test_invalid_add_is_400_with_details_and_writes_nothing(
    client: httpx.AsyncClient, tenant: Tenant, body: dict[str, Any], detail_prefix: str
) -> None:
    response = await _post(client, tenant, "add-new-customer", body)
    assert response.status_code == 400
    payload = response.json()
    assert payload["error"] is True
    assert payload["message"] == ADD_FAILED
    assert any(detail.startswith(detail_prefix) for detail in payload["details"]), payload
    assert await Customer.all().count() == 0
    assert await CustomFieldDefinition.all().count() == 0


async def test_every_bad_field_is_named_at_once(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await _post(
        client,
        tenant,
        "add-new-customer",
        {"customer_phone": "123", "name": ["x"], "email": "nope", "plan": [1]},
    )
    details = response.json()["details"]
    assert [detail.split(":")[0] for detail in details] == [
        "customer_phone",
        "name",
        "email",
        "plan",
    ]


async def test_integer_phone_is_accepted_as_its_digits(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await _post(
        client, tenant, "add-new-customer", {"customer_phone": 972501234567, "name": "Num"}
    )
    assert response.status_code == 200, response.text
    assert (await get_customer(client, tenant)).json()["customer"]["phone"] == PHONE


async def test_invalid_edit_is_400_and_changes_nothing(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await add_customer(client, tenant, name="Keep", email="keep@example.com")
    response = await _post(
        client,
        tenant,
        "edit-customer",
        {"customer_phone": PHONE, "name": "Changed", "email": "broken@", "deal": {"x": 1}},
    )
    assert response.status_code == 400
    assert response.json()["message"] == EDIT_FAILED
    assert [d.split(":")[0] for d in response.json()["details"]] == ["email", "deal"]
    customer = (await get_customer(client, tenant)).json()["customer"]
    assert customer["name"] == "Keep"
    assert customer["email"] == "keep@example.com"
    assert customer["custom_fields"] == {}


async def test_unicode_names_round_trip(client: httpx.AsyncClient, tenant: Tenant) -> None:
    await add_customer(client, tenant, "972501111111", name="דוד כהן")
    await add_customer(client, tenant, "972502222222", name="Zoë 🚀🎉 李雷", שדה="ערך")
    hebrew = (await get_customer(client, tenant, "972501111111")).json()["customer"]
    assert hebrew["name"] == "דוד כהן"
    emoji = (await get_customer(client, tenant, "972502222222")).json()["customer"]
    assert emoji["name"] == "Zoë 🚀🎉 李雷"
    assert emoji["custom_fields"] == {"שדה": "ערך"}


async def test_name_of_200_emoji_is_accepted(client: httpx.AsyncClient, tenant: Tenant) -> None:
    await add_customer(client, tenant, name="😀" * 200)
    assert (await get_customer(client, tenant)).json()["customer"]["name"] == "😀" * 200


async def test_body_over_one_mebibyte_is_413_in_the_envelope(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    body = {"customer_phone": PHONE, "name": "Big", "blob": "x" * (1024 * 1024 + 10)}
    response = await _post(client, tenant, "add-new-customer", body)
    assert response.status_code == 413
    assert response.json()["error"] is True
    assert response.json()["message"].startswith("Request body too large")
    assert await Customer.all().count() == 0


async def test_malformed_json_is_400(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.post(
        "/mumbleapi/add-new-customer",
        content=b'{"customer_phone": "972501234567",',
        headers=tenant.headers | {"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json() == {"error": True, "message": "Malformed JSON body"}
    listed = await client.post("/mumbleapi/add-new-customer", json=[PHONE], headers=tenant.headers)
    assert listed.status_code == 400
    assert listed.json()["error"] is True


async def test_many_bad_keys_get_a_short_answer(client: httpx.AsyncClient, tenant: Tenant) -> None:
    body: dict[str, Any] = {"customer_phone": PHONE, **{f"k{i}": [i] for i in range(500)}}
    response = await _post(client, tenant, "add-new-customer", body)
    assert response.status_code == 400
    details = response.json()["details"]
    assert len(details) == 21
    assert details[-1] == "... and 480 more"
