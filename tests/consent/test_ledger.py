"""The consent ledger through the API: get-consent, set-consent, get-customer, search, events."""

from __future__ import annotations

from typing import Any

import httpx

from mumble.models import Customer, Event
from tests.access import key_with_permissions
from tests.api import body, get, ok, post
from tests.clock import FrozenClock
from tests.conftest import Tenant

PHONE = "972501234567"


async def _customer(client: httpx.AsyncClient, tenant: Tenant, phone: str = PHONE) -> None:
    ok(await post(client, tenant, "add-new-customer", customer_phone=phone, name="Dana"))


async def test_a_new_customer_s_consent_is_unknown_on_get_consent_and_get_customer(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await _customer(client, tenant)
    unknown = {"marketing": "unknown", "source": None, "changed_at": None}
    answer = ok(await get(client, tenant, "get-consent", customer_phone="+972-50-123-4567"))
    assert answer == {
        "success": True,
        "customer_phone": PHONE,
        "customer_user_id": None,
        "consent": unknown,
    }
    customer = ok(await get(client, tenant, "get-customer", customer_phone=PHONE))["customer"]
    assert customer["consent"] == unknown
    assert (customer["phone"], customer["name"]) == (PHONE, "Dana")


async def test_set_consent_stores_it_records_the_event_and_moves_updated_at(
    client: httpx.AsyncClient, tenant: Tenant, clock: FrozenClock
) -> None:
    await _customer(client, tenant)
    clock.advance(minutes=5)
    answer = ok(
        await post(
            client,
            tenant,
            "set-consent",
            customer_phone=PHONE,
            marketing="opted_out",
            source="checkout form",
        )
    )
    consent = {
        "marketing": "opted_out",
        "source": "checkout form",
        "changed_at": "2026-06-29T12:05:00Z",
    }
    assert answer == {
        "success": True,
        "message": "Consent updated",
        "changed": True,
        "consent": consent,
    }
    stored = await Customer.get(account_id=tenant.account.id, phone=PHONE)
    assert stored.updated_at == clock.now()
    shown = ok(await get(client, tenant, "get-customer", customer_phone=PHONE))["customer"]
    assert shown["consent"] == consent
    events = await Event.filter(account_id=tenant.account.id, type="customer.consent_changed")
    assert len(events) == 1
    assert events[0].data["consent"] == consent
    assert events[0].data["previous"] == "unknown"
    assert events[0].data["customer"]["phone"] == PHONE


async def test_setting_the_state_it_has_keeps_the_first_when_and_where(
    client: httpx.AsyncClient, tenant: Tenant, clock: FrozenClock
) -> None:
    await _customer(client, tenant)
    ok(await post(client, tenant, "set-consent", customer_phone=PHONE, marketing="opted_in"))
    clock.advance(hours=1)
    again = ok(
        await post(
            client, tenant, "set-consent", customer_phone=PHONE, marketing="OPTED_IN", source="x"
        )
    )
    assert again["changed"] is False
    assert again["consent"] == {
        "marketing": "opted_in",
        "source": "api",
        "changed_at": "2026-06-29T12:00:00Z",
    }
    events = await Event.filter(account_id=tenant.account.id, type="customer.consent_changed")
    assert len(events) == 1


async def test_bad_input_is_a_clear_400_and_changes_nothing(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await _customer(client, tenant)
    cases: list[tuple[dict[str, Any], str | None]] = [
        ({"marketing": "opted_out"}, "Phone number is required."),
        ({"customer_phone": PHONE}, "'marketing' is required (opted_in, opted_out or unknown)."),
        ({"customer_phone": PHONE, "marketing": "yes"}, None),
        ({"customer_phone": PHONE, "marketing": "opted_out", "source": "s" * 101}, None),
        ({"customer_phone": PHONE, "marketing": ["opted_out"]}, None),
    ]
    for params, message in cases:
        response = await post(client, tenant, "set-consent", params)
        assert response.status_code == 400, (params, response.text)
        assert body(response)["error"] is True
        if message is not None:
            assert body(response)["message"] == message
    stored = await Customer.get(account_id=tenant.account.id, phone=PHONE)
    assert stored.marketing_consent is None
    assert not await Event.exists(type="customer.consent_changed")


async def test_an_unknown_customer_is_404_on_both_endpoints(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await get(client, tenant, "get-consent", customer_phone="15550001111")
    assert (response.status_code, body(response)["message"]) == (404, "Customer not found")
    response = await post(
        client, tenant, "set-consent", customer_phone="15550001111", marketing="opted_in"
    )
    assert (response.status_code, body(response)["message"]) == (404, "Customer not found")
    assert not await Customer.exists(phone="15550001111")


async def test_a_second_account_neither_sees_nor_changes_the_consent(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    await _customer(client, tenant)
    ok(await post(client, tenant, "set-consent", customer_phone=PHONE, marketing="opted_out"))
    response = await get(client, other_tenant, "get-consent", customer_phone=PHONE)
    assert response.status_code == 404
    response = await post(
        client, other_tenant, "set-consent", customer_phone=PHONE, marketing="opted_in"
    )
    assert response.status_code == 404
    found = ok(await get(client, other_tenant, "search-customers", consent="opted_out"))
    assert found["customers"] == []
    stored = await Customer.get(account_id=tenant.account.id, phone=PHONE)
    assert stored.marketing_consent == "opted_out"


async def test_a_read_only_role_reads_consent_but_cannot_change_it(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await _customer(client, tenant)
    reader = await key_with_permissions(
        tenant.account, "reader", ["customers:read", "consent:read"]
    )
    ok(await get(client, reader, "get-consent", customer_phone=PHONE))
    response = await post(client, reader, "set-consent", customer_phone=PHONE, marketing="opted_in")
    assert response.status_code == 401
    assert body(response)["message"] == "User not authorized to change marketing consent."
    no_consent = await key_with_permissions(tenant.account, "crm", ["customers:read"])
    response = await get(client, no_consent, "get-consent", customer_phone=PHONE)
    assert response.status_code == 401
    assert body(response)["message"] == "User not authorized to read marketing consent."


async def test_search_customers_filters_by_consent(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    phones = ["972500000001", "972500000002", "972500000003"]
    for phone in phones:
        await _customer(client, tenant, phone)
    ok(await post(client, tenant, "set-consent", customer_phone=phones[0], marketing="opted_out"))
    ok(await post(client, tenant, "set-consent", customer_phone=phones[1], marketing="opted_in"))

    async def found(state: str) -> list[str]:
        page = ok(await get(client, tenant, "search-customers", consent=state))
        return [customer["phone"] for customer in page["customers"]]

    assert await found("opted_out") == [phones[0]]
    assert await found("opted_in") == [phones[1]]
    assert await found("unknown") == [phones[2]]
    response = await get(client, tenant, "search-customers", consent="maybe")
    assert response.status_code == 400
    assert body(response)["message"] == "'consent' must be opted_in, opted_out or unknown"
