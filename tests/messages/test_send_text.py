"""send-text-message over real HTTP against the sandbox: success, errors, Meta failures."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from mumble.accounts import service as accounts
from mumble.accounts.roles import create_role
from mumble.models import Customer, Event, Message
from tests.conftest import MakeTenant, SandboxHandle, Tenant
from tests.messages.support import (
    PHONE,
    customer_writes,
    inject_fault,
    send_text,
    sent_to_meta,
    stored_messages,
)


async def test_text_is_sent_with_metas_exact_body_and_recorded_as_sent(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    response = await send_text(client, tenant, "Hello!")
    assert response.status_code == 200
    body = response.json()
    sent = await sent_to_meta(sandbox, tenant)
    assert len(sent) == 1
    assert sent[0]["payload"] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+" + PHONE,
        "type": "text",
        "text": {"body": "Hello!", "preview_url": False},
        # Echoed in the status webhooks: names the message to the crash sweep.
        "biz_opaque_callback_data": f"mumble-message:{body['id']}",
    }
    assert sent[0]["authorization"] == f"Bearer {tenant.account.access_token}"
    assert body == {"success": True, "id": body["id"], "message_wa_id": sent[0]["id"]}
    message = await Message.get(id=body["id"])
    assert (message.direction, message.type, message.text) == ("outbound", "text", "Hello!")
    assert message.wamid == sent[0]["id"]
    assert message.status in ("sent", "delivered", "read")
    assert await Event.filter(account_id=tenant.account.id, type="message.sent").count() == 1


async def test_a_send_keeps_the_name_and_email_of_an_existing_customer(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    crm = await client.post(
        "/mumbleapi/add-new-customer",
        json={"customer_phone": PHONE, "name": "Dana Levi", "email": "dana@example.com"},
        headers=tenant.headers,
    )
    assert crm.status_code == 200, crm.text
    await customer_writes(sandbox, tenant, text="hi", name="WhatsApp Name")
    response = await send_text(
        client, tenant, "Hello!", name="Someone Else", email="else@example.com", source="web"
    )
    assert response.status_code == 200, response.text
    customer = await Customer.get(account_id=tenant.account.id, phone=PHONE)
    # name and email apply when a send creates the customer; source still applies.
    assert (customer.name, customer.email, customer.source) == (
        "Dana Levi",
        "dana@example.com",
        "web",
    )
    changed = await Event.filter(account_id=tenant.account.id, type="customer.updated")
    assert all(not {"name", "email"} & set(event.data.get("changed", [])) for event in changed), [
        event.data for event in changed
    ]


@pytest.mark.parametrize(
    "body",
    [{}, {"customer_phone": PHONE}, {"text": "Hello"}, {"customer_phone": "", "text": "x"}],
)
async def test_missing_parameters_are_refused(
    client: httpx.AsyncClient, tenant: Tenant, body: dict[str, str]
) -> None:
    response = await client.post("/mumbleapi/send-text-message", json=body, headers=tenant.headers)
    assert response.status_code == 400
    assert response.json() == {"error": True, "message": "Missing required parameters."}


async def test_a_key_without_send_permission_is_refused(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    role = await create_role(tenant.account.id, "reader", ["messages:read"])
    _, key = await accounts.create_key(tenant.account.id, role=role)
    response = await client.post(
        "/mumbleapi/send-text-message",
        json={"customer_phone": PHONE, "text": "x"},
        headers={"Mumble-Api-Key": key},
    )
    assert response.status_code == 401
    assert response.json()["message"] == "User not authorized to send text messages."


async def test_an_account_without_a_channel_gets_a_clear_400(
    client: httpx.AsyncClient, make_tenant: MakeTenant, sandbox: SandboxHandle
) -> None:
    bare = await make_tenant("No channel", phone_number_id=None, access_token=None)
    response = await send_text(client, bare, "x")
    assert response.status_code == 400
    assert response.json()["message"] == "WhatsApp channel is not configured for this account"


@pytest.mark.parametrize(
    ("fault", "status", "message"),
    [
        (
            {"error_code": 131047},
            400,
            "Conversation is closed (send a template instead)",
        ),
        ({"error_code": 130429}, 429, "WhatsApp rate limit reached, retry later"),
        ({"error_code": 131056}, 429, "WhatsApp rate limit reached, retry later"),
        ({"error_code": 190}, 502, "WhatsApp authentication failed (check the access token)"),
        ({"http_status": 500}, 502, "WhatsApp is unavailable, retry later"),
        ({"error_code": 131026}, 400, "Failed to send text message."),
        ({"error_code": 100}, 400, "Failed to send text message."),
    ],
)
async def test_meta_failures_are_mapped_and_the_message_is_recorded_failed(
    client: httpx.AsyncClient,
    sandbox: SandboxHandle,
    tenant: Tenant,
    fault: dict[str, int],
    status: int,
    message: str,
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    await inject_fault(sandbox, target="messages", count=None, **fault)
    response = await send_text(client, tenant, "Hello!")
    assert response.status_code == status, response.text
    assert response.json()["error"] is True
    assert response.json()["message"] == message
    if status == 429:
        assert int(response.headers["Retry-After"]) >= 1
    outbound = [m for m in await stored_messages(tenant) if m.direction == "outbound"]
    assert len(outbound) == 1
    assert outbound[0].status == "failed"
    assert outbound[0].wamid is None
    assert outbound[0].error_message
    assert await Event.filter(account_id=tenant.account.id, type="message.failed").count() == 1


async def test_unmapped_meta_error_names_the_cause_in_details(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    await inject_fault(sandbox, target="messages", error_code=131026)
    response = await send_text(client, tenant, "Hello!")
    body = response.json()
    assert body["message"] == "Failed to send text message."
    assert any("131026" in detail for detail in body["details"])


async def test_text_longer_than_whatsapp_allows_is_refused(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    response = await send_text(client, tenant, "x" * 4097)
    assert response.status_code == 400
    assert "too long" in response.json()["message"]
    assert await sent_to_meta(sandbox, tenant) == []


async def test_a_second_account_cannot_send_into_the_first_accounts_conversation(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, other_tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    response = await send_text(client, other_tenant, "intruding")
    assert response.status_code == 400
    assert response.json()["message"] == "Conversation is closed (send a template instead)"
    assert await sent_to_meta(sandbox, other_tenant) == []
    assert await Message.filter(account_id=other_tenant.account.id).count() == 0


async def test_the_message_is_on_record_as_accepted_while_meta_is_still_answering(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    await inject_fault(sandbox, target="messages", latency=0.5)
    sending = asyncio.create_task(send_text(client, tenant, "slow"))
    seen = None
    for _ in range(40):
        await asyncio.sleep(0.02)
        seen = await Message.get_or_none(account_id=tenant.account.id, direction="outbound")
        if seen is not None:
            break
    assert seen is not None
    assert seen.status == "accepted"
    assert seen.wamid is None
    response = await sending
    assert response.status_code == 200
    await seen.refresh_from_db()
    assert seen.status != "accepted"
    assert seen.wamid == response.json()["message_wa_id"]


async def test_a_bad_profile_email_on_a_send_says_what_is_wrong_with_the_send(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    response = await send_text(client, tenant, "Hello!", email="not-an-email")
    assert response.status_code == 400
    answer = response.json()
    assert answer["message"] == "Invalid customer field on the send"
    assert answer["details"][0].startswith("email: ")
    assert await sent_to_meta(sandbox, tenant) == []
