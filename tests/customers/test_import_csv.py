"""import-customers with a CSV upload, and who may import into which account."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from mumble.models import Customer
from mumble.settings import Settings
from tests.access import key_with_permissions
from tests.api import body, get, ok
from tests.conftest import Tenant
from tests.customers.support import add_customer

IMPORT = "/mumbleapi/import-customers"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, max_import_bytes=64 * 1024)


async def _upload(
    client: httpx.AsyncClient, headers: dict[str, str], text: str | bytes, **extra: str
) -> httpx.Response:
    data = text.encode() if isinstance(text, str) else text
    files = {"file": ("customers.csv", data, "text/csv")}
    return await client.post(IMPORT, files=files, headers={**headers, **extra})


async def test_a_csv_upserts_and_empty_cells_are_not_given(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await add_customer(client, tenant, "972501234567", name="Kept", email="kept@example.com")
    text = (
        "\ufeffcustomer_phone, name ,email,utm_source,tier\r\n"
        "972501234567,,new@example.com,fb,\r\n"
        "\r\n"
        '14155552671,"Doe, Jane",,google,gold\r\n'
        "14155552672,Bad,not-an-email,,\r\n"
        "14155552673,Too,many,cells,here,extra\r\n"
    )
    answer = ok(await _upload(client, tenant.headers, text))
    assert [(r["row"], r["status"]) for r in answer["results"]] == [
        (1, "updated"),
        (2, "created"),
        (3, "error"),
        (4, "error"),
    ]
    assert answer["results"][3]["message"] == "The row has more cells than the header row"
    old = ok(await get(client, tenant, "get-customer", customer_phone="972501234567"))["customer"]
    assert (old["name"], old["email"], old["attribution"]) == (
        "Kept",
        "new@example.com",
        {"utm_source": "fb"},
    )
    new = ok(await get(client, tenant, "get-customer", customer_phone="14155552671"))["customer"]
    assert (new["name"], new["custom_fields"]) == ("Doe, Jane", {"tier": "gold"})


async def test_unreadable_files_refuse_the_call(client: httpx.AsyncClient, tenant: Tenant) -> None:
    for content, detail in (
        (b"name,email\nAnn,a@b.c\n", "The header row must name the customer_phone column"),
        (b"customer_phone,name,name\n1,2,3\n", "Column named twice: name"),
        (b"customer_phone,\n14155552671,x\n", "Every column of the header row needs a name"),
        (b"customer_phone\n\xff\xfe\n", "The file must be UTF-8 text"),
    ):
        response = await _upload(client, tenant.headers, content)
        assert response.status_code == 400
        assert body(response) == {"error": True, "message": "Invalid CSV file", "details": [detail]}
    empty = await _upload(client, tenant.headers, b"")
    assert (
        body(empty)["message"]
        == "Customers are required (a JSON array of customers, or a CSV file)"
    )
    many = "customer_phone\n" + "".join(f"1555{i:07d}\n" for i in range(1001))
    response = await _upload(client, tenant.headers, many)
    assert body(response)["message"] == "At most 1000 customers per import"
    assert await Customer.all().count() == 0


async def test_a_file_past_the_import_limit_is_413(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    text = "customer_phone,current_url\n" + "".join(
        f"1555{i:07d},https://example.com/{'x' * 200}\n" for i in range(400)
    )
    response = await _upload(client, tenant.headers, text)
    assert response.status_code == 413
    too_big = [{"customer_phone": "14155552671", "current_url": "x" * 2000}] * 40
    response = await client.post(IMPORT, json=too_big, headers=tenant.headers)
    assert response.status_code == 413
    assert await Customer.all().count() == 0


async def test_the_same_key_and_another_file_is_409(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    key = {"Idempotency-Key": "csv-1"}
    first = await _upload(client, tenant.headers, "customer_phone\n14155552671\n", **key)
    again = await _upload(client, tenant.headers, "customer_phone\n14155552671\n", **key)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    other = await _upload(client, tenant.headers, "customer_phone\n14155552672\n", **key)
    assert other.status_code == 409


async def test_each_key_imports_into_its_own_account(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    await add_customer(client, tenant, "14155552671", name="Mine")
    answer = ok(
        await _upload(client, other_tenant.headers, "customer_phone,name\n14155552671,Theirs\n")
    )
    assert answer["results"][0]["status"] == "created"
    mine = ok(await get(client, tenant, "get-customer", customer_phone="14155552671"))
    assert mine["customer"]["name"] == "Mine"
    theirs = ok(await get(client, other_tenant, "get-customer", customer_phone="14155552671"))
    assert theirs["customer"]["name"] == "Theirs"


async def test_a_read_only_role_cannot_import(client: httpx.AsyncClient, tenant: Tenant) -> None:
    reader = await key_with_permissions(tenant.account, "reader", ["customers:read"])
    for response in (
        await _upload(client, reader, "customer_phone\n14155552671\n"),
        await client.post(IMPORT, json=[{"customer_phone": "14155552671"}], headers=reader),
    ):
        assert response.status_code == 401
        assert body(response) == {
            "error": True,
            "message": "User not authorized to import customers.",
        }
    assert await Customer.all().count() == 0
