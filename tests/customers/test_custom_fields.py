"""get-custom-fields lists the account's custom field slots; delete-custom-field frees one."""

from __future__ import annotations

import httpx

from mumble.models import Customer, CustomFieldDefinition, Event
from tests.access import key_with_permissions
from tests.api import body, delete, get, ok, post
from tests.clock import FrozenClock
from tests.conftest import Tenant
from tests.customers.support import PHONE, add_customer, get_customer

OTHER = "15550001111"
THIRD = "15550002222"


async def test_lists_each_name_with_how_many_customers_hold_it(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    assert ok(await get(client, tenant, "get-custom-fields")) == {
        "success": True,
        "custom_fields": [],
        "max": 15,
    }
    await add_customer(client, tenant, tier="gold", plan="pro")
    await add_customer(client, tenant, OTHER, tier="silver")
    await add_customer(client, tenant, THIRD)
    ok(await post(client, tenant, "edit-customer", customer_phone=OTHER, tier=None))
    ok(await post(client, tenant, "edit-customer", customer_phone=THIRD, seats=3))
    listed = ok(await get(client, tenant, "get-custom-fields"))
    # Oldest first (names defined together in name order); tier has left OTHER.
    assert listed["custom_fields"] == [
        {"name": "plan", "customers": 1},
        {"name": "tier", "customers": 1},
        {"name": "seats", "customers": 1},
    ]
    ok(await post(client, tenant, "edit-customer", customer_phone=PHONE, plan=None))
    # A name keeps its slot when no customer holds it any more.
    assert ok(await get(client, tenant, "get-custom-fields"))["custom_fields"][0] == {
        "name": "plan",
        "customers": 0,
    }


async def test_delete_removes_the_values_moves_updated_at_and_records_events(
    client: httpx.AsyncClient, tenant: Tenant, clock: FrozenClock
) -> None:
    await add_customer(client, tenant, tier="gold", plan="pro")
    await add_customer(client, tenant, OTHER, tier="silver")
    await add_customer(client, tenant, THIRD, plan="free")
    before = await Customer.get(phone=THIRD)
    clock.advance(minutes=5)
    answer = ok(await delete(client, tenant, "delete-custom-field", name="tier"))
    assert answer == {
        "success": True,
        "message": "Custom field 'tier' deleted successfully",
        "customers_updated": 2,
    }
    mine = body(await get_customer(client, tenant))["customer"]
    assert mine["custom_fields"] == {"plan": "pro"}
    assert body(await get_customer(client, tenant, OTHER))["customer"]["custom_fields"] == {}
    for phone in (PHONE, OTHER):
        assert (await Customer.get(phone=phone)).updated_at == clock.now()
    # A customer without the field is untouched.
    assert (await Customer.get(phone=THIRD)).updated_at == before.updated_at
    events = (
        await Event.filter(account_id=tenant.account.id, type="customer.updated")
        .order_by("seq")
        .values("customer_id", "data")
    )
    assert len(events) == 2
    by_customer = {str(event["customer_id"]): event["data"] for event in events}
    for phone in (PHONE, OTHER):
        data = by_customer[str((await Customer.get(phone=phone)).id)]
        assert data["changed"] == ["custom_fields"]
        assert "tier" not in data["customer"]["custom_fields"]
    assert ok(await get(client, tenant, "get-custom-fields"))["custom_fields"] == [
        {"name": "plan", "customers": 2}
    ]


async def test_delete_frees_the_slot(client: httpx.AsyncClient, tenant: Tenant) -> None:
    fifteen: dict[str, object] = {f"f{n}": n for n in range(15)}
    ok(await post(client, tenant, "add-new-customer", customer_phone=PHONE, **fifteen))
    full = await post(client, tenant, "edit-customer", customer_phone=PHONE, extra="x")
    assert full.status_code == 400
    assert body(full)["message"] == "Cannot add more than 15 custom fields per account"
    ok(await delete(client, tenant, "delete-custom-field", name="f3"))
    ok(await post(client, tenant, "edit-customer", customer_phone=PHONE, extra="x"))
    names = [
        field["name"]
        for field in ok(await get(client, tenant, "get-custom-fields"))["custom_fields"]
    ]
    assert len(names) == 15
    assert "f3" not in names
    assert "extra" in names


async def test_delete_of_an_unknown_or_missing_name_is_refused(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await add_customer(client, tenant, tier="gold")
    missing = await delete(client, tenant, "delete-custom-field", name="nope")
    assert missing.status_code == 404
    assert body(missing) == {"error": True, "message": "Custom field not found"}
    for sent in ({}, {"name": ""}, {"name": "   "}):
        refused = await delete(client, tenant, "delete-custom-field", sent)
        assert refused.status_code == 400, sent
        assert body(refused) == {"error": True, "message": "Custom field name is required."}
    for bad in ({"name": "x" * 65}, {"name": ["tier"]}, {"name": "ti\x00er"}):
        refused = await delete(client, tenant, "delete-custom-field", bad)
        assert refused.status_code == 400, bad
    # A standard field is no custom field.
    standard = await delete(client, tenant, "delete-custom-field", name="name")
    assert standard.status_code == 404
    assert body(await get_customer(client, tenant))["customer"]["custom_fields"] == {"tier": "gold"}
    assert await CustomFieldDefinition.filter(account_id=tenant.account.id).count() == 1


async def test_a_second_account_neither_sees_nor_deletes_the_fields(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    await add_customer(client, tenant, tier="gold")
    await add_customer(client, other_tenant, OTHER, plan="pro")
    assert ok(await get(client, other_tenant, "get-custom-fields"))["custom_fields"] == [
        {"name": "plan", "customers": 1}
    ]
    refused = await delete(client, other_tenant, "delete-custom-field", name="tier")
    assert refused.status_code == 404
    assert body(await get_customer(client, tenant))["customer"]["custom_fields"] == {"tier": "gold"}
    assert ok(await get(client, tenant, "get-custom-fields"))["custom_fields"] == [
        {"name": "tier", "customers": 1}
    ]


async def test_a_read_only_key_lists_but_cannot_delete(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await add_customer(client, tenant, tier="gold")
    reader = await key_with_permissions(tenant.account, "reader", ["customers:read"])
    assert ok(await get(client, reader, "get-custom-fields"))["custom_fields"] == [
        {"name": "tier", "customers": 1}
    ]
    refused = await delete(client, reader, "delete-custom-field", name="tier")
    assert refused.status_code == 401
    assert body(refused) == {"error": True, "message": "User not authorized to modify customers."}
    nothing = await key_with_permissions(tenant.account, "labels", ["labels:read"])
    denied = await get(client, nothing, "get-custom-fields")
    assert denied.status_code == 401
    assert body(denied) == {"error": True, "message": "User not authorized to read customers."}
    assert body(await get_customer(client, tenant))["customer"]["custom_fields"] == {"tier": "gold"}
