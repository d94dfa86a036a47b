"""Consent from each source besides the API, end to end through the sandbox's signed webhooks:
keywords, WhatsApp's marketing preference, and Meta's 131050 on a marketing send."""

from __future__ import annotations

from typing import Any

import httpx

from mumble.consent.account_keywords import set_account_keywords
from mumble.models import Customer, Event
from tests.api import body, get, ok, post
from tests.clock import FrozenClock
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import PHONE, customer_writes, inject_fault
from tests.templates.support import approved_template


async def _consent(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, Any]:
    answer = ok(await get(client, tenant, "get-consent", customer_phone=PHONE))
    consent: dict[str, Any] = answer["consent"]
    return consent


async def _preference(sandbox: SandboxHandle, tenant: Tenant, value: str, **extra: Any) -> None:
    response = await sandbox.control.post(
        "/_sandbox/user-preferences",
        json={
            "phone_number_id": tenant.account.phone_number_id,
            "wa_id": PHONE,
            "value": value,
            **extra,
        },
    )
    assert response.status_code == 200, response.text
    assert body(response)["delivery"] == [200]


async def _changes(tenant: Tenant) -> list[str]:
    events = await Event.filter(
        account_id=tenant.account.id, type="customer.consent_changed"
    ).order_by("seq")
    return [event.data["consent"]["marketing"] for event in events]


async def test_a_stop_keyword_opts_out_and_a_start_keyword_opts_back_in(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    await customer_writes(sandbox, tenant, text="Hello")
    assert (await _consent(client, tenant))["marketing"] == "unknown"
    clock.advance(minutes=1)
    await customer_writes(sandbox, tenant, text="  stop! ")
    assert await _consent(client, tenant) == {
        "marketing": "opted_out",
        "source": "stop_keyword",
        "changed_at": "2026-06-29T12:01:00Z",
    }
    stored = await Customer.get(account_id=tenant.account.id, phone=PHONE)
    assert stored.updated_at == clock.now()
    await customer_writes(sandbox, tenant, text="Please don't stop the deliveries")
    await customer_writes(sandbox, tenant, text="СТОП")
    clock.advance(minutes=1)
    await customer_writes(sandbox, tenant, text="Start")
    consent = await _consent(client, tenant)
    assert (consent["marketing"], consent["source"]) == ("opted_in", "start_keyword")
    assert await _changes(tenant) == ["opted_out", "opted_in"]


async def test_a_stop_keyword_from_a_first_contact_opts_the_new_customer_out(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="הסר")
    assert (await _consent(client, tenant))["marketing"] == "opted_out"


async def test_the_stop_promotions_reply_button_opts_out(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, type="button", button_text="Stop promotions")
    assert (await _consent(client, tenant))["marketing"] == "opted_out"


async def test_an_account_s_own_keywords_replace_the_defaults_and_stay_its_own(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, other_tenant: Tenant
) -> None:
    await set_account_keywords(tenant.account.id, ["ENOUGH"], None)
    await customer_writes(sandbox, tenant, text="STOP")
    assert (await _consent(client, tenant))["marketing"] == "unknown"
    await customer_writes(sandbox, tenant, text="Enough")
    assert (await _consent(client, tenant))["marketing"] == "opted_out"
    await customer_writes(sandbox, other_tenant, text="STOP")
    other = ok(await get(client, other_tenant, "get-consent", customer_phone=PHONE))
    assert other["consent"]["marketing"] == "opted_out"
    await customer_writes(sandbox, other_tenant, text="Enough")
    await customer_writes(sandbox, other_tenant, text="START")
    other = ok(await get(client, other_tenant, "get-consent", customer_phone=PHONE))
    assert other["consent"]["marketing"] == "opted_in"


async def test_whatsapp_s_marketing_preference_stops_and_resumes(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, other_tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="Hello")
    await customer_writes(sandbox, other_tenant, text="Hello")
    await _preference(sandbox, tenant, "stop")
    consent = await _consent(client, tenant)
    assert (consent["marketing"], consent["source"]) == ("opted_out", "whatsapp_preferences")
    other = ok(await get(client, other_tenant, "get-consent", customer_phone=PHONE))
    assert other["consent"]["marketing"] == "unknown"
    await _preference(sandbox, tenant, "stop")  # Meta's retry changes nothing more
    await _preference(sandbox, tenant, "resume")
    assert (await _consent(client, tenant))["marketing"] == "opted_in"
    await _preference(sandbox, tenant, "stop", category="something_else")
    assert (await _consent(client, tenant))["marketing"] == "opted_in"
    assert await _changes(tenant) == ["opted_out", "opted_in"]


async def test_a_preference_for_an_unknown_user_creates_no_customer(
    sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await _preference(sandbox, tenant, "stop")
    assert not await Customer.exists(account_id=tenant.account.id)


async def _send(client: httpx.AsyncClient, tenant: Tenant, template_id: str) -> httpx.Response:
    return await post(
        client, tenant, "send-template", customer_phone=PHONE, template_id=template_id
    )


async def test_meta_s_131050_status_for_a_marketing_send_opts_out_and_not_for_utility(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    marketing = await approved_template(
        client, sandbox, tenant, name="sale", category="MARKETING", body="Big sale today"
    )
    utility = await approved_template(client, sandbox, tenant, name="receipt", body="Thanks!")
    sent = ok(await _send(client, tenant, utility["id"]))
    await sandbox.flush()
    failed = await sandbox.control.post(
        "/_sandbox/statuses",
        json={"id": sent["message_wa_id"], "status": "failed", "error_code": 131050},
    )
    assert failed.status_code == 200, failed.text
    assert (await _consent(client, tenant))["marketing"] == "unknown"
    sent = ok(await _send(client, tenant, marketing["id"]))
    await sandbox.flush()
    failed = await sandbox.control.post(
        "/_sandbox/statuses",
        json={"id": sent["message_wa_id"], "status": "failed", "error_code": 131050},
    )
    assert failed.status_code == 200, failed.text
    consent = await _consent(client, tenant)
    assert (consent["marketing"], consent["source"]) == ("opted_out", "meta_error_131050")


async def test_meta_refusing_a_marketing_send_with_131050_opts_out(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    marketing = await approved_template(
        client, sandbox, tenant, name="sale", category="MARKETING", body="Big sale today"
    )
    ok(await post(client, tenant, "add-new-customer", customer_phone=PHONE))
    await inject_fault(sandbox, target="messages", error_code=131050, http_status=400)
    refused = await _send(client, tenant, marketing["id"])
    assert refused.status_code == 400, refused.text
    consent = await _consent(client, tenant)
    assert (consent["marketing"], consent["source"]) == ("opted_out", "meta_error_131050")
