"""Labels: create, list and delete labels of an account."""

from __future__ import annotations

import unicodedata

import httpx
import pytest

from mumble.accounts import service as accounts
from mumble.models import Customer, CustomerLabel, Event, Label, Role
from tests.api import post
from tests.conftest import Tenant
from tests.database import column


async def test_new_label_is_created_stored_and_listed(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await post(client, tenant, "add-new-label", label_name="VIP customers")
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "message": "Label 'VIP customers' created successfully",
    }
    stored = await Label.get(account_id=tenant.account.id)
    assert stored.name == "VIP customers"
    listed = await client.get("/mumbleapi/get-labels", headers=tenant.headers)
    assert listed.status_code == 200
    assert listed.json() == {
        "success": True,
        "labels": [{"id": str(stored.id), "name": "VIP customers"}],
    }


async def test_get_labels_of_a_new_account_is_empty(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.get("/mumbleapi/get-labels", headers=tenant.headers)
    assert response.status_code == 200
    assert response.json() == {"success": True, "labels": []}


async def test_labels_are_listed_oldest_first(client: httpx.AsyncClient, tenant: Tenant) -> None:
    for name in ("b", "a", "c"):
        assert (await post(client, tenant, "add-new-label", label_name=name)).status_code == 200
    listed = await client.get("/mumbleapi/get-labels", headers=tenant.headers)
    assert [label["name"] for label in listed.json()["labels"]] == ["b", "a", "c"]


async def test_label_name_is_trimmed(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await post(client, tenant, "add-new-label", label_name="  Leads  ")
    assert response.json()["message"] == "Label 'Leads' created successfully"
    assert column(
        await Label.filter(account_id=tenant.account.id).values_list("name", flat=True)
    ) == ["Leads"]


async def test_unicode_label_name_round_trips(client: httpx.AsyncClient, tenant: Tenant) -> None:
    name = "לקוחות VIP 🎉 Ñandú"
    response = await post(client, tenant, "add-new-label", label_name=name)
    assert response.status_code == 200
    assert response.json()["message"] == f"Label '{name}' created successfully"
    listed = await client.get("/mumbleapi/get-labels", headers=tenant.headers)
    assert [label["name"] for label in listed.json()["labels"]] == [name]


async def test_composed_and_decomposed_accents_name_the_same_label(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    composed = unicodedata.normalize("NFC", "Café")
    decomposed = unicodedata.normalize("NFD", "Café")
    assert (await post(client, tenant, "add-new-label", label_name=composed)).status_code == 200
    response = await post(client, tenant, "add-new-label", label_name=decomposed)
    assert response.status_code == 409
    assert response.json() == {"error": True, "message": "Label already exists"}


async def test_label_name_of_100_characters_is_accepted(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await post(client, tenant, "add-new-label", label_name="é" * 100)
    assert response.status_code == 200
    assert await Label.filter(name="é" * 100).count() == 1


async def test_label_name_over_100_characters_is_refused(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await post(client, tenant, "add-new-label", label_name="x" * 101)
    assert response.status_code == 400
    assert response.json() == {
        "error": True,
        "message": "'label_name' is too long (at most 100 characters)",
    }
    assert await Label.all().count() == 0


@pytest.mark.parametrize("name", [["VIP"], 42, 4.2, True, {"name": "VIP"}])
async def test_label_name_of_the_wrong_type_is_refused(
    client: httpx.AsyncClient, tenant: Tenant, name: object
) -> None:
    response = await post(client, tenant, "add-new-label", label_name=name)
    assert response.status_code == 400
    assert response.json() == {"error": True, "message": "'label_name' must be a string"}
    assert await Label.all().count() == 0


async def test_label_name_with_control_characters_is_refused(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await post(client, tenant, "add-new-label", label_name="VIP\x00")
    assert response.status_code == 400
    assert response.json()["message"] == "'label_name' must not contain control characters"


@pytest.mark.parametrize(
    "body", [{}, {"label_name": ""}, {"label_name": "   "}, {"label_name": None}]
)
async def test_missing_label_name_is_refused(
    client: httpx.AsyncClient, tenant: Tenant, body: dict[str, object]
) -> None:
    response = await client.post("/mumbleapi/add-new-label", json=body, headers=tenant.headers)
    assert response.status_code == 400
    assert response.json() == {"error": True, "message": "Label name is required."}


async def test_duplicate_label_is_a_conflict(client: httpx.AsyncClient, tenant: Tenant) -> None:
    assert (await post(client, tenant, "add-new-label", label_name="VIP")).status_code == 200
    response = await post(client, tenant, "add-new-label", label_name="VIP")
    assert response.status_code == 409
    assert response.json() == {"error": True, "message": "Label already exists"}
    assert await Label.filter(account_id=tenant.account.id).count() == 1


async def test_label_can_be_created_from_a_form_body(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.post(
        "/mumbleapi/add-new-label", data={"label_name": "Form"}, headers=tenant.headers
    )
    assert response.status_code == 200
    assert response.json()["message"] == "Label 'Form' created successfully"


async def test_two_accounts_may_use_the_same_label_name(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    assert (await post(client, tenant, "add-new-label", label_name="VIP")).status_code == 200
    assert (await post(client, other_tenant, "add-new-label", label_name="VIP")).status_code == 200
    assert await Label.filter(name="VIP").count() == 2


async def test_another_account_sees_none_of_the_labels(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    assert (await post(client, tenant, "add-new-label", label_name="VIP")).status_code == 200
    response = await client.get("/mumbleapi/get-labels", headers=other_tenant.headers)
    assert response.json() == {"success": True, "labels": []}


async def test_delete_label_removes_it_and_its_links(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    assert (await post(client, tenant, "add-new-label", label_name="VIP")).status_code == 200
    label = await Label.get(name="VIP")
    customers = [
        await Customer.create(account_id=tenant.account.id, phone=phone)
        for phone in ("972501234567", "972501234568")
    ]
    for customer in customers:
        await CustomerLabel.create(customer=customer, label=label)
    response = await client.request(
        "DELETE", "/mumbleapi/delete-label", json={"label_name": "VIP"}, headers=tenant.headers
    )
    assert response.status_code == 200
    assert response.json() == {"success": True, "message": "Label 'VIP' deleted successfully"}
    assert not await Label.exists(id=label.id)
    assert await CustomerLabel.all().count() == 0
    assert await Customer.filter(account_id=tenant.account.id).count() == 2
    events = await Event.filter(type="customer.label_removed").order_by("seq")
    assert sorted(str(event.customer_id) for event in events) == sorted(
        str(customer.id) for customer in customers
    )
    assert {event.data["label"]["name"] for event in events} == {"VIP"}


async def test_delete_label_takes_its_name_from_the_query_string(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    assert (await post(client, tenant, "add-new-label", label_name="Leads & co")).status_code == 200
    response = await client.delete(
        "/mumbleapi/delete-label", params={"label_name": "Leads & co"}, headers=tenant.headers
    )
    assert response.status_code == 200
    assert response.json()["message"] == "Label 'Leads & co' deleted successfully"
    assert await Label.all().count() == 0


async def test_deleting_a_missing_label_is_404(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.delete(
        "/mumbleapi/delete-label", params={"label_name": "Nope"}, headers=tenant.headers
    )
    assert response.status_code == 404
    assert response.json() == {"error": True, "message": "Label not found"}


async def test_delete_label_requires_a_name(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.delete("/mumbleapi/delete-label", headers=tenant.headers)
    assert response.status_code == 400
    assert response.json() == {"error": True, "message": "Label name is required."}


async def test_delete_label_refuses_a_name_of_the_wrong_type(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.request(
        "DELETE", "/mumbleapi/delete-label", json={"label_name": ["VIP"]}, headers=tenant.headers
    )
    assert response.status_code == 400
    assert response.json() == {"error": True, "message": "'label_name' must be a string"}


async def test_another_account_cannot_delete_the_label(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    assert (await post(client, tenant, "add-new-label", label_name="VIP")).status_code == 200
    response = await client.delete(
        "/mumbleapi/delete-label", params={"label_name": "VIP"}, headers=other_tenant.headers
    )
    assert response.status_code == 404
    assert response.json() == {"error": True, "message": "Label not found"}
    assert await Label.filter(account_id=tenant.account.id, name="VIP").exists()


async def test_label_endpoints_require_a_key(client: httpx.AsyncClient) -> None:
    for method, path in (
        ("GET", "/mumbleapi/get-labels"),
        ("POST", "/mumbleapi/add-new-label"),
        ("DELETE", "/mumbleapi/delete-label"),
        ("POST", "/mumbleapi/add-customer-to-label"),
        ("DELETE", "/mumbleapi/remove-customer-from-label"),
    ):
        response = await client.request(method, path, json={"label_name": "VIP"})
        assert response.status_code == 401, path
        assert response.json() == {"error": True, "message": "Unauthorized"}


async def test_wrong_method_is_405(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.get("/mumbleapi/delete-label", headers=tenant.headers)
    assert response.status_code == 405
    assert response.json()["error"] is True


async def test_read_only_key_lists_labels_but_cannot_change_them(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    role = await Role.create(
        account_id=tenant.account.id, name="viewer", permissions=["labels:read"]
    )
    _, plaintext = await accounts.create_key(tenant.account.id, role=role)
    headers = {"Mumble-Api-Key": plaintext}
    assert (await client.get("/mumbleapi/get-labels", headers=headers)).status_code == 200
    response = await client.post(
        "/mumbleapi/add-new-label", json={"label_name": "VIP"}, headers=headers
    )
    assert response.status_code == 401
    assert response.json() == {"error": True, "message": "User not authorized to modify labels."}
    assert await Label.all().count() == 0
