"""import-customers as a JSON array: upsert by phone, per-row answers, events, limits."""

from __future__ import annotations

from typing import Any

import httpx

from mumble.bots.service import create_bot
from mumble.models import Customer, CustomFieldDefinition, Event
from tests.api import body, get, ok, post
from tests.clock import FrozenClock
from tests.conftest import Tenant
from tests.customers.support import add_customer

IMPORT = "/mumbleapi/import-customers"


async def _import(
    client: httpx.AsyncClient, tenant: Tenant, rows: Any, **headers: str
) -> httpx.Response:
    return await client.post(IMPORT, json=rows, headers={**tenant.headers, **headers})


async def _event_types(tenant: Tenant) -> list[str]:
    types = await Event.filter(account_id=tenant.account.id).order_by("seq").values("type")
    return [str(row["type"]) for row in types]


async def test_creates_new_phones_and_updates_only_the_fields_given(
    client: httpx.AsyncClient, tenant: Tenant, clock: FrozenClock
) -> None:
    await add_customer(
        client, tenant, "972501234567", name="Old", email="old@example.com", tier="a"
    )
    clock.advance(minutes=5)
    answer = ok(
        await _import(
            client,
            tenant,
            [
                {"customer_phone": "+972 50-123-4567", "name": "New", "utm_source": "crm"},
                {
                    "customer_phone": "14155552671",
                    "name": "Ann",
                    "email": "ann@example.com",
                    "tier": "gold",
                    "utm_campaign": "spring",
                },
            ],
        )
    )
    assert answer["results"] == [
        {"row": 1, "phone": "972501234567", "status": "updated", "message": "Customer updated"},
        {"row": 2, "phone": "14155552671", "status": "created", "message": "Customer created"},
    ]
    assert answer["totals"] == {"rows": 2, "created": 1, "updated": 1, "error": 0}
    old = ok(await get(client, tenant, "get-customer", customer_phone="972501234567"))["customer"]
    assert old["name"] == "New"
    assert old["email"] == "old@example.com"  # not given: kept
    assert old["custom_fields"] == {"tier": "a"}
    assert old["attribution"] == {"utm_source": "crm"}
    new = ok(await get(client, tenant, "get-customer", customer_phone="14155552671"))["customer"]
    assert new["custom_fields"] == {"tier": "gold"}
    assert new["attribution"] == {"utm_campaign": "spring"}
    assert new["country"] == "US"
    stored = await Customer.get(phone="972501234567")
    assert stored.updated_at == clock.now()
    assert await _event_types(tenant) == [
        "customer.created",
        "customer.updated",
        "customer.created",
    ]
    updated = await Event.filter(type="customer.updated").first()
    assert updated is not None
    assert updated.data["changed"] == ["name", "attribution"]
    assert updated.data["customer"]["name"] == "New"


async def test_a_bad_row_never_blocks_the_good_ones(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    foreign_bot = await create_bot(other_tenant.account.id, "Theirs")
    bot = await create_bot(tenant.account.id, "Ours")
    answer = ok(
        await _import(
            client,
            tenant,
            [
                {"customer_phone": "15550000001", "email": "not-an-email"},
                {"name": "No phone"},
                "not an object",
                {"customer_phone": "15550000002", "bot_token": str(foreign_bot.id)},
                {"customer_phone": "15550000003", "bot_token": str(bot.id), "name": "Flow"},
                {"customer_phone": "1 555 000 0003", "name": "Twice"},
                {"customer_phone": "12"},
                {"customer_phone": "15550000004", "bot_token": "AI", "tags": ["a"]},
                {"customer_phone": "15550000005", "bot_token": "ai"},
            ],
        )
    )
    statuses = [(r["row"], r["phone"], r["status"]) for r in answer["results"]]
    assert statuses == [
        (1, "15550000001", "error"),
        (2, None, "error"),
        (3, None, "error"),
        (4, "15550000002", "error"),
        (5, "15550000003", "created"),
        (6, "15550000003", "error"),
        (7, "12", "error"),
        (8, "15550000004", "error"),
        (9, "15550000005", "created"),
    ]
    messages = {r["row"]: r["message"] for r in answer["results"]}
    assert messages[1].startswith("email: Invalid email address")
    assert messages[2] == "Phone number is required."
    assert messages[3] == "A row must be an object"
    assert messages[4] == "Bot not found."
    assert messages[6] == "The phone is already in row 5"
    assert messages[7].startswith("customer_phone: ")
    assert messages[8] == "tags: custom field values must be a string, number or boolean"
    assert answer["totals"] == {"rows": 9, "created": 2, "updated": 0, "error": 7}
    flow = ok(await get(client, tenant, "get-customer", customer_phone="15550000003"))["customer"]
    assert flow["bot"] == {"type": "flow", "id": str(bot.id), "name": "Ours"}
    assert flow["name"] == "Flow"
    ai = ok(await get(client, tenant, "get-customer", customer_phone="15550000005"))["customer"]
    assert ai["bot"]["type"] == "AI"
    assert await Customer.filter(account_id=tenant.account.id).count() == 2


async def test_custom_fields_past_fifteen_refuse_the_rows_that_need_them_in_order(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await add_customer(client, tenant, "15550000000", **{f"f{i}": i for i in range(13)})
    rows = [
        {"customer_phone": "15550000001", "f0": 1, "g1": "x"},
        {"customer_phone": "15550000002", "g2": "y", "g3": "z"},
        {"customer_phone": "15550000003", "g1": "again", "f12": None},
        {"customer_phone": "15550000004", "g4": "w", "g5": "v"},
    ]
    answer = ok(await _import(client, tenant, rows))
    assert [r["status"] for r in answer["results"]] == ["created", "error", "created", "error"]
    assert answer["results"][1]["message"] == "Cannot add more than 15 custom fields per account"
    names = await CustomFieldDefinition.filter(account_id=tenant.account.id).count()
    assert names == 14


async def test_nothing_changed_is_updated_without_an_event(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await add_customer(client, tenant, "15550000001", name="Same")
    answer = ok(await _import(client, tenant, [{"customer_phone": "15550000001", "name": "Same"}]))
    assert answer["results"][0]["message"] == "Customer already up to date"
    assert await _event_types(tenant) == ["customer.created"]


async def test_null_clears_a_field_and_an_object_body_works_too(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await add_customer(client, tenant, "15550000001", name="Ann", tier="gold")
    rows = [{"customer_phone": "15550000001", "name": None, "tier": None}]
    ok(await _import(client, tenant, {"customers": rows}))
    customer = ok(await get(client, tenant, "get-customer", customer_phone="15550000001"))
    assert customer["customer"]["name"] is None
    assert customer["customer"]["custom_fields"] == {}


async def test_near_miss_field_names_are_warned_about(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    rows = [{"customer_phone": "15550000001", "utm_sorce": "google", "Email": "a@b.c"}]
    answer = ok(await _import(client, tenant, rows))
    assert answer["warnings"] == [
        "'Email' was stored as a new custom field; did you mean 'email' (a standard field)?",
        "'utm_sorce' was stored as a new custom field; did you mean 'utm_source' "
        "(an attribution field)?",
    ]


async def test_whole_call_refusals(client: httpx.AsyncClient, tenant: Tenant) -> None:
    too_many = [{"customer_phone": f"1555{i:07d}"} for i in range(1001)]
    for rows, status, message in (
        ([], 400, "Customers are required (a JSON array of customers, or a CSV file)"),
        ({}, 400, "Customers are required (a JSON array of customers, or a CSV file)"),
        ({"customers": "nope"}, 400, "'customers' must be an array of customer objects"),
        ({"customers": {"a": 1}}, 400, "'customers' must be an array of customer objects"),
        (too_many, 400, "At most 1000 customers per import"),
        ("text", 400, "JSON body must be an object or an array"),
    ):
        response = await _import(client, tenant, rows)
        assert response.status_code == status, rows
        assert body(response)["message"] == message
    assert await Customer.filter(account_id=tenant.account.id).count() == 0


async def test_a_thousand_rows_with_long_values_pass_the_bulk_body_limit(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    url = "https://example.com/landing?" + "x" * 1900
    rows = [{"customer_phone": f"1555{i:07d}", "current_url": url} for i in range(1000)]
    response = await _import(client, tenant, rows)
    assert len(response.request.content) > 1024 * 1024  # past the ordinary body limit
    assert ok(response)["totals"] == {"rows": 1000, "created": 1000, "updated": 0, "error": 0}
    assert await Event.filter(account_id=tenant.account.id).count() == 1000


async def test_an_idempotency_key_makes_a_retry_a_no_op(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    rows = [{"customer_phone": "15550000001", "name": "Ann"}]
    first = await _import(client, tenant, rows, **{"Idempotency-Key": "sync-1"})
    await post(client, tenant, "edit-customer", customer_phone="15550000001", name="Changed")
    again = await _import(client, tenant, rows, **{"Idempotency-Key": "sync-1"})
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    customer = ok(await get(client, tenant, "get-customer", customer_phone="15550000001"))
    assert customer["customer"]["name"] == "Changed"  # the retry wrote nothing
    other = await _import(
        client, tenant, [{"customer_phone": "15550000002"}], **{"Idempotency-Key": "sync-1"}
    )
    assert other.status_code == 409
    assert body(other)["message"] == "Idempotency-Key was already used with a different request"


async def test_a_bulk_call_counts_as_one_request(client: httpx.AsyncClient, tenant: Tenant) -> None:
    first = await _import(client, tenant, [{"customer_phone": "15550000001"}])
    rows = [{"customer_phone": f"1555{i:07d}"} for i in range(2, 500)]
    second = await _import(client, tenant, rows)
    left = int(first.headers["X-RateLimit-Remaining"]) - int(
        second.headers["X-RateLimit-Remaining"]
    )
    assert left == 1
