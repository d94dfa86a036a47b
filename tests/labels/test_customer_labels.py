"""Tagging customers with labels: add-customer-to-label and remove-customer-from-label."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from mumble.models import Customer, CustomerLabel, Event, Label
from tests.api import delete, post
from tests.conftest import Tenant

PHONE = "972501234567"


async def _customer(tenant: Tenant, phone: str = PHONE) -> Customer:
    return await Customer.create(account_id=tenant.account.id, phone=phone)


async def _label(tenant: Tenant, name: str = "VIP customers") -> Label:
    return await Label.create(account_id=tenant.account.id, name=name)


async def test_customer_is_added_to_a_label(client: httpx.AsyncClient, tenant: Tenant) -> None:
    customer = await _customer(tenant)
    label = await _label(tenant)
    response = await post(
        client,
        tenant,
        "add-customer-to-label",
        {"customer_phone": PHONE, "label_name": "VIP customers"},
    )
    assert response.status_code == 200
    assert response.json() == {"success": True, "message": "added successfully"}
    assert await CustomerLabel.filter(customer=customer, label=label).count() == 1
    event = await Event.get(type="customer.label_added")
    assert event.customer_id == customer.id
    assert event.account_id == tenant.account.id  # type: ignore[attr-defined]
    assert event.data["label"] == {"id": str(label.id), "name": "VIP customers"}
    assert event.data["customer"]["id"] == str(customer.id)


async def test_phone_is_normalised_before_lookup(client: httpx.AsyncClient, tenant: Tenant) -> None:
    customer = await _customer(tenant)
    await _label(tenant)
    response = await post(
        client,
        tenant,
        "add-customer-to-label",
        {"customer_phone": "+972 50-123-4567", "label_name": "VIP customers"},
    )
    assert response.status_code == 200
    assert await CustomerLabel.filter(customer=customer).count() == 1


async def test_adding_twice_keeps_one_link_and_one_event(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    customer = await _customer(tenant)
    await _label(tenant)
    body = {"customer_phone": PHONE, "label_name": "VIP customers"}
    for _ in range(2):
        response = await post(client, tenant, "add-customer-to-label", body)
        assert response.status_code == 200
        assert response.json() == {"success": True, "message": "added successfully"}
    assert await CustomerLabel.filter(customer=customer).count() == 1
    assert await Event.filter(type="customer.label_added").count() == 1


async def test_concurrent_adds_store_one_link(client: httpx.AsyncClient, tenant: Tenant) -> None:
    customer = await _customer(tenant)
    await _label(tenant)
    body = {"customer_phone": PHONE, "label_name": "VIP customers"}
    responses = await asyncio.gather(
        *(post(client, tenant, "add-customer-to-label", body) for _ in range(6))
    )
    assert [r.status_code for r in responses] == [200] * 6
    assert await CustomerLabel.filter(customer=customer).count() == 1
    assert await Event.filter(type="customer.label_added").count() == 1


async def test_add_takes_its_parameters_from_the_query_string(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    customer = await _customer(tenant)
    await _label(tenant, "Leads")
    response = await client.post(
        "/mumbleapi/add-customer-to-label",
        params={"customer_phone": PHONE, "label_name": "Leads"},
        headers=tenant.headers,
    )
    assert response.status_code == 200
    assert await CustomerLabel.filter(customer=customer).count() == 1


async def test_add_with_a_unicode_label(client: httpx.AsyncClient, tenant: Tenant) -> None:
    customer = await _customer(tenant)
    await _label(tenant, "לקוחות 🎉")
    response = await post(
        client,
        tenant,
        "add-customer-to-label",
        {"customer_phone": PHONE, "label_name": "לקוחות 🎉"},
    )
    assert response.status_code == 200
    assert await CustomerLabel.filter(customer=customer).count() == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"label_name": "VIP customers"}, "Phone number is required."),
        ({"customer_phone": "", "label_name": "VIP customers"}, "Phone number is required."),
        ({"customer_phone": PHONE}, "Label name is required."),
        ({"customer_phone": PHONE, "label_name": " "}, "Label name is required."),
        ({"customer_phone": PHONE, "label_name": ["VIP"]}, "'label_name' must be a string"),
        ({"customer_phone": PHONE, "label_name": 7}, "'label_name' must be a string"),
        ({"customer_phone": PHONE, "label_name": {"a": 1}}, "'label_name' must be a string"),
        (
            {"customer_phone": PHONE, "label_name": "x" * 101},
            "'label_name' is too long (at most 100 characters)",
        ),
    ],
)
async def test_add_refuses_bad_input(
    client: httpx.AsyncClient, tenant: Tenant, body: dict[str, object], message: str
) -> None:
    await _customer(tenant)
    await _label(tenant)
    response = await post(client, tenant, "add-customer-to-label", body)
    assert response.status_code == 400
    assert response.json() == {"error": True, "message": message}
    assert await CustomerLabel.all().count() == 0


async def test_add_to_an_unknown_customer_is_404(client: httpx.AsyncClient, tenant: Tenant) -> None:
    await _label(tenant)
    response = await post(
        client,
        tenant,
        "add-customer-to-label",
        {"customer_phone": PHONE, "label_name": "VIP customers"},
    )
    assert response.status_code == 404
    assert response.json() == {"error": True, "message": "Customer not found"}


async def test_add_to_an_unknown_label_is_404(client: httpx.AsyncClient, tenant: Tenant) -> None:
    await _customer(tenant)
    response = await post(
        client, tenant, "add-customer-to-label", {"customer_phone": PHONE, "label_name": "Nope"}
    )
    assert response.status_code == 404
    assert response.json() == {"error": True, "message": "Label not found"}
    assert await Label.all().count() == 0


async def test_another_account_cannot_tag_the_first_accounts_customer(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    await _customer(tenant)
    await _label(other_tenant)
    response = await post(
        client,
        other_tenant,
        "add-customer-to-label",
        {"customer_phone": PHONE, "label_name": "VIP customers"},
    )
    assert response.status_code == 404
    assert response.json() == {"error": True, "message": "Customer not found"}
    assert await CustomerLabel.all().count() == 0


async def test_another_account_cannot_use_the_first_accounts_label(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    await _label(tenant)
    await _customer(other_tenant)
    response = await post(
        client,
        other_tenant,
        "add-customer-to-label",
        {"customer_phone": PHONE, "label_name": "VIP customers"},
    )
    assert response.status_code == 404
    assert response.json() == {"error": True, "message": "Label not found"}
    assert await CustomerLabel.all().count() == 0


async def test_customer_is_removed_from_a_label(client: httpx.AsyncClient, tenant: Tenant) -> None:
    customer = await _customer(tenant)
    label = await _label(tenant)
    kept = await _label(tenant, "Kept")
    await CustomerLabel.create(customer=customer, label=label)
    await CustomerLabel.create(customer=customer, label=kept)
    response = await delete(
        client,
        tenant,
        "remove-customer-from-label",
        {"customer_phone": PHONE, "label_name": "VIP customers"},
    )
    assert response.status_code == 200
    assert response.json() == {"success": True, "message": "removed successfully"}
    links = await CustomerLabel.filter(customer=customer).values_list("label_id", flat=True)
    assert links == [kept.id]
    assert await Label.exists(id=label.id)
    event = await Event.get(type="customer.label_removed")
    assert event.customer_id == customer.id
    assert event.data["label"] == {"id": str(label.id), "name": "VIP customers"}


async def test_remove_takes_its_parameters_from_the_query_string(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    customer = await _customer(tenant)
    label = await _label(tenant)
    await CustomerLabel.create(customer=customer, label=label)
    response = await client.delete(
        "/mumbleapi/remove-customer-from-label",
        params={"customer_phone": PHONE, "label_name": "VIP customers"},
        headers=tenant.headers,
    )
    assert response.status_code == 200
    assert await CustomerLabel.all().count() == 0


async def test_removing_a_customer_not_in_the_label_is_400(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await _customer(tenant)
    await _label(tenant)
    response = await delete(
        client,
        tenant,
        "remove-customer-from-label",
        {"customer_phone": PHONE, "label_name": "VIP customers"},
    )
    assert response.status_code == 400
    assert response.json() == {"error": True, "message": "Customer is not in the label"}
    assert await Event.filter(type="customer.label_removed").count() == 0


async def test_removing_twice_is_400_the_second_time(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    customer = await _customer(tenant)
    label = await _label(tenant)
    await CustomerLabel.create(customer=customer, label=label)
    body = {"customer_phone": PHONE, "label_name": "VIP customers"}
    assert (await delete(client, tenant, "remove-customer-from-label", body)).status_code == 200
    second = await delete(client, tenant, "remove-customer-from-label", body)
    assert second.status_code == 400
    assert second.json() == {"error": True, "message": "Customer is not in the label"}


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"label_name": "VIP customers"}, 400, "Phone number is required."),
        ({"customer_phone": PHONE}, 400, "Label name is required."),
        ({"customer_phone": PHONE, "label_name": [1]}, 400, "'label_name' must be a string"),
        (
            {"customer_phone": "972509999999", "label_name": "VIP customers"},
            404,
            "Customer not found",
        ),
        ({"customer_phone": PHONE, "label_name": "Nope"}, 404, "Label not found"),
    ],
)
async def test_remove_refuses_bad_input(
    client: httpx.AsyncClient,
    tenant: Tenant,
    body: dict[str, object],
    status: int,
    message: str,
) -> None:
    customer = await _customer(tenant)
    label = await _label(tenant)
    await CustomerLabel.create(customer=customer, label=label)
    response = await delete(client, tenant, "remove-customer-from-label", body)
    assert response.status_code == status
    assert response.json() == {"error": True, "message": message}
    assert await CustomerLabel.all().count() == 1


async def test_another_account_cannot_untag_the_first_accounts_customer(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    customer = await _customer(tenant)
    label = await _label(tenant)
    await CustomerLabel.create(customer=customer, label=label)
    await _label(other_tenant)
    response = await delete(
        client,
        other_tenant,
        "remove-customer-from-label",
        {"customer_phone": PHONE, "label_name": "VIP customers"},
    )
    assert response.status_code == 404
    assert response.json() == {"error": True, "message": "Customer not found"}
    assert await CustomerLabel.all().count() == 1


async def test_get_customer_shows_the_labels_added_and_removed(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    created = await client.post(
        "/mumbleapi/add-new-customer", json={"customer_phone": PHONE}, headers=tenant.headers
    )
    assert created.status_code == 200, created.text
    for name in ("VIP", "Leads"):
        await _label(tenant, name)
        response = await post(
            client, tenant, "add-customer-to-label", {"customer_phone": PHONE, "label_name": name}
        )
        assert response.status_code == 200
    assert (
        await delete(
            client,
            tenant,
            "remove-customer-from-label",
            {"customer_phone": PHONE, "label_name": "VIP"},
        )
    ).is_success
    shown = await client.get(
        "/mumbleapi/get-customer", params={"customer_phone": PHONE}, headers=tenant.headers
    )
    assert shown.status_code == 200
    assert shown.json()["customer"]["labels"] == ["Leads"]
