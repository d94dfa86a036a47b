"""import-customers' bulk statements: what they store and find, on SQLite and on PostgreSQL.

On PostgreSQL the existing phones are found by a lateral lookup of the (account, phone) unique
index, the new customers and the events are inserted in one statement each from a JSON array
(`mumble.db.rowsets`); these tests pin that the result is what the one-by-one endpoints store.
"""

from __future__ import annotations

from typing import Any

import httpx

from mumble.events.signing import new_secret
from mumble.models import Customer, Event, WebhookDelivery, WebhookEndpoint
from tests.api import get, ok
from tests.clock import FrozenClock
from tests.conftest import Tenant
from tests.customers.support import add_customer

IMPORT = "/mumbleapi/import-customers"
# Text that JSON and SQL both escape: quotes, a backslash, a percent sign, non-ASCII, an emoji.
ODD = 'O\'Brien "Bob" \\ 100% Ünïcödé 😀'


async def _import(client: httpx.AsyncClient, tenant: Tenant, rows: Any) -> dict[str, Any]:
    return ok(await client.post(IMPORT, json=rows, headers=tenant.headers))


async def _view(client: httpx.AsyncClient, tenant: Tenant, phone: str) -> dict[str, Any]:
    answer = ok(await get(client, tenant, "get-customer", customer_phone=phone))
    customer: dict[str, Any] = answer["customer"]
    return customer


def _fields(view: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in view.items() if k not in ("id", "phone", "created_at")}


async def test_an_imported_customer_is_stored_as_add_new_customer_stores_it(
    client: httpx.AsyncClient, tenant: Tenant, clock: FrozenClock
) -> None:
    fields = {
        "name": ODD,
        "email": "ann@example.com",
        "source": "crm",
        "utm_source": ODD,
        "utm_campaign": "spring",
        "tier": "gold",
        "score": 42,
        "ratio": 0.5,
        "vip": True,
        "note": ODD,
        "bot_token": "AI",
    }
    await add_customer(client, tenant, "14155550001", **fields)
    answer = await _import(client, tenant, [{"customer_phone": "14155550002", **fields}])
    assert answer["results"][0]["status"] == "created"
    added = await _view(client, tenant, "14155550001")
    imported = await _view(client, tenant, "14155550002")
    assert _fields(imported) == _fields(added)
    assert imported["custom_fields"] == {
        "tier": "gold",
        "score": 42,
        "ratio": 0.5,
        "vip": True,
        "note": ODD,
    }
    stored = await Customer.get(phone="14155550002", account_id=tenant.account.id)
    assert stored.updated_at == clock.now()
    assert stored.created_at is not None
    event = await Event.get(type="customer.created", customer_id=stored.id)
    assert event.data["customer"] == imported


async def test_a_mixed_batch_creates_updates_and_refuses_each_row_as_it_should(
    client: httpx.AsyncClient, tenant: Tenant, clock: FrozenClock
) -> None:
    await add_customer(client, tenant, "14155550010", name="Old 10", tier="a")
    await add_customer(client, tenant, "14155550030", name="Same")
    clock.advance(minutes=1)
    rows = [
        {"customer_phone": "14155550010", "name": "New 10"},
        {"customer_phone": "14155550020", "name": "Created 20"},
        {"customer_phone": "+1 415 555 0010", "name": "Again"},
        {"customer_phone": "14155550030", "name": "Same"},
        {"customer_phone": "14155550040", "email": "broken"},
        {"customer_phone": "14155550050", "tier": "b"},
        {"customer_phone": "14155550020", "name": "Twice"},
    ]
    answer = await _import(client, tenant, rows)
    assert [(r["row"], r["phone"], r["status"], r["message"]) for r in answer["results"]] == [
        (1, "14155550010", "updated", "Customer updated"),
        (2, "14155550020", "created", "Customer created"),
        (3, "14155550010", "error", "The phone is already in row 1"),
        (4, "14155550030", "updated", "Customer already up to date"),
        (5, "14155550040", "error", answer["results"][4]["message"]),
        (6, "14155550050", "created", "Customer created"),
        (7, "14155550020", "error", "The phone is already in row 2"),
    ]
    assert answer["results"][4]["message"].startswith("email: ")
    assert answer["totals"] == {"rows": 7, "created": 2, "updated": 2, "error": 3}
    updated = await _view(client, tenant, "14155550010")
    assert (updated["name"], updated["custom_fields"]) == ("New 10", {"tier": "a"})
    assert (await _view(client, tenant, "14155550020"))["name"] == "Created 20"
    assert (await _view(client, tenant, "14155550050"))["custom_fields"] == {"tier": "b"}
    assert not await Customer.filter(phone="14155550040").exists()
    assert (await Customer.get(phone="14155550030")).updated_at < clock.now()
    assert (await Customer.get(phone="14155550010")).updated_at == clock.now()
    # Events in row order after the two add-new-customer ones, none for the unchanged row.
    events = await Event.filter(account_id=tenant.account.id).order_by("seq")
    assert [(e.type, e.data["customer"]["phone"]) for e in events[2:]] == [
        ("customer.updated", "14155550010"),
        ("customer.created", "14155550020"),
        ("customer.created", "14155550050"),
    ]


async def test_a_phone_of_another_account_is_created_not_updated(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    await add_customer(client, other_tenant, "14155550001", name="Theirs")
    await add_customer(client, tenant, "14155550002", name="Ours")
    rows = [
        {"customer_phone": "14155550001", "name": "Mine"},
        {"customer_phone": "14155550002", "name": "Ours too"},
    ]
    answer = await _import(client, tenant, rows)
    assert [r["status"] for r in answer["results"]] == ["created", "updated"]
    assert (await _view(client, other_tenant, "14155550001"))["name"] == "Theirs"
    assert (await _view(client, tenant, "14155550001"))["name"] == "Mine"
    assert await Customer.filter(phone="14155550001").count() == 2


async def test_a_batch_of_existing_customers_is_found_and_updated(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    phones = [f"1415555{i:04d}" for i in range(300)]
    first = await _import(client, tenant, [{"customer_phone": p, "tier": "a"} for p in phones])
    assert first["totals"]["created"] == 300
    rows = [{"customer_phone": p, "tier": "b"} for p in phones[::-1]] + [
        {"customer_phone": "14155559999"}
    ]
    second = await _import(client, tenant, rows)
    assert second["totals"] == {"rows": 301, "created": 1, "updated": 300, "error": 0}
    tiers = await Customer.filter(account_id=tenant.account.id).values_list(
        "custom_fields", flat=True
    )
    assert sorted(str(t) for t in tiers) == sorted([str({"tier": "b"})] * 300 + [str({})])


async def test_subscribed_endpoints_get_one_delivery_per_event_in_row_order(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    endpoint = await WebhookEndpoint.create(
        account_id=tenant.account.id,
        url="http://127.0.0.1:9/hook",
        events=["customer.created", "customer.updated"],
        secret=new_secret(),
    )
    await add_customer(client, tenant, "14155550002", name="Old")
    rows = [
        {"customer_phone": "14155550003"},
        {"customer_phone": "14155550002", "name": "New"},
        {"customer_phone": "14155550001"},
    ]
    await _import(client, tenant, rows)
    events = await Event.filter(account_id=tenant.account.id).order_by("seq")
    assert [(e.type, e.data["customer"]["phone"]) for e in events] == [
        ("customer.created", "14155550002"),
        ("customer.created", "14155550003"),
        ("customer.updated", "14155550002"),
        ("customer.created", "14155550001"),
    ]
    deliveries = await WebhookDelivery.filter(endpoint_id=endpoint.id).order_by("event_seq")
    assert [(d.event_seq, d.customer_id) for d in deliveries] == [
        (e.seq, e.customer_id) for e in events
    ]
