"""Customers known only by a business-scoped user id (BSUID) can be looked up and answered:
`customer_user_id` instead of `customer_phone`, Meta's `recipient` instead of `to`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mumble.models import Customer, Template
from tests.api import get, post
from tests.conftest import MakeTenant, SandboxHandle, Tenant
from tests.messages.support import PHONE, customer_writes, sent_to_meta, stored_messages
from tests.templates.support import approved_template

USER = "US.13491208655302741918"


async def _user_writes(sandbox: SandboxHandle, tenant: Tenant, **spec: Any) -> dict[str, Any]:
    return await customer_writes(sandbox, tenant, phone=None, user_id=USER, name="Noa", **spec)


async def test_a_bsuid_only_customer_is_shown_and_answered_by_recipient(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    inbound = await _user_writes(sandbox, tenant, text="Hi, I have no visible number")
    shown = await get(client, tenant, "get-customer", customer_user_id=USER)
    assert shown.status_code == 200, shown.text
    customer = shown.json()["customer"]
    assert (customer["phone"], customer["user_id"], customer["name"]) == (None, USER, "Noa")

    response = await post(
        client,
        tenant,
        "send-text-message",
        customer_user_id=USER,
        text="Hello!",
        reply_to=inbound["id"],
    )
    assert response.status_code == 200, response.text
    sent = await sent_to_meta(sandbox, tenant)
    assert sent[0]["payload"] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "recipient": USER,
        "type": "text",
        "text": {"body": "Hello!", "preview_url": False},
        "context": {"message_id": inbound["id"]},
        "biz_opaque_callback_data": f"mumble-message:{response.json()['id']}",
    }
    conversation = await get(client, tenant, "get-conversation", customer_user_id=USER)
    assert [m["text"] for m in conversation.json()["messages"]] == [
        "Hi, I have no visible number",
        "Hello!",
    ]


async def test_media_reactions_and_interactive_messages_reach_a_bsuid_user(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    inbound = await _user_writes(sandbox, tenant)
    answers = [
        await post(
            client,
            tenant,
            "send-media-message",
            customer_user_id=USER,
            media_url="https://example.com/a.jpg",
        ),
        await post(
            client,
            tenant,
            "send-reaction",
            customer_user_id=USER,
            message_wa_id=inbound["id"],
            emoji="\U0001f44d",
        ),
        await post(
            client,
            tenant,
            "send-interactive-message",
            customer_user_id=USER,
            type="button",
            body="Pick",
            buttons=[{"id": "a", "title": "A"}],
        ),
    ]
    assert [a.status_code for a in answers] == [200, 200, 200], [a.text for a in answers]
    sent = await sent_to_meta(sandbox, tenant)
    assert [m["type"] for m in sent] == ["image", "reaction", "interactive"]
    assert all(m["payload"]["recipient"] == USER and "to" not in m["payload"] for m in sent)


@pytest.mark.parametrize(
    ("endpoint", "fields", "message"),
    [
        ("send-text-message", {"text": "x"}, "Missing required parameters."),
        (
            "send-media-message",
            {"media_url": "https://e.x/a.jpg"},
            "Missing required parameter: customer_phone",
        ),
        ("send-reaction", {"message_wa_id": "w", "emoji": ""}, "Phone number is required."),
        (
            "send-text-message",
            {"text": "x", "customer_phone": PHONE, "customer_user_id": USER},
            "Give customer_phone or customer_user_id, not both",
        ),
        (
            "send-text-message",
            {"text": "x", "customer_user_id": "+972501234567"},
            "customer_user_id must be a business-scoped user id such as US.13491208655302741918",
        ),
    ],
)
async def test_exactly_one_of_phone_and_user_id_names_the_customer(
    client: httpx.AsyncClient,
    sandbox: SandboxHandle,
    tenant: Tenant,
    endpoint: str,
    fields: dict[str, str],
    message: str,
) -> None:
    await _user_writes(sandbox, tenant)
    before = len(await stored_messages(tenant))
    response = await post(client, tenant, endpoint, **fields)
    assert response.status_code == 400
    assert response.json() == {"error": True, "message": message}
    assert len(await stored_messages(tenant)) == before
    assert await sent_to_meta(sandbox, tenant) == []


async def test_lookups_keep_the_contracts_messages_and_refuse_both(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    neither = await get(client, tenant, "get-customer")
    both = await get(client, tenant, "get-customer", customer_phone=PHONE, customer_user_id=USER)
    unknown = await get(client, tenant, "get-customer", customer_user_id=USER)
    conversation = await get(client, tenant, "get-conversation", customer_user_id=USER)
    assert (neither.status_code, neither.json()["message"]) == (400, "Phone number is required.")
    assert (both.status_code, both.json()["message"]) == (
        400,
        "Give customer_phone or customer_user_id, not both",
    )
    assert (unknown.status_code, unknown.json()["message"]) == (404, "Customer not found")
    assert conversation.status_code == 404


async def test_a_second_account_neither_sees_nor_reaches_the_bsuid_user(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, make_tenant: MakeTenant
) -> None:
    other = await make_tenant("Other Co")
    await _user_writes(sandbox, tenant)
    shown = await get(client, other, "get-customer", customer_user_id=USER)
    sent = await post(client, other, "send-text-message", customer_user_id=USER, text="x")
    assert shown.status_code == 404
    assert (sent.status_code, sent.json()["message"]) == (
        400,
        "Conversation is closed (send a template instead)",
    )
    assert await sent_to_meta(sandbox, other) == []


async def test_phone_and_bsuid_of_one_person_stay_one_customer_and_the_phone_is_used(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="from my phone", user_id=USER)
    await _user_writes(sandbox, tenant, text="from my username")
    by_phone = (await get(client, tenant, "get-customer", customer_phone=PHONE)).json()
    by_user = (await get(client, tenant, "get-customer", customer_user_id=USER)).json()
    assert by_phone == by_user
    assert (by_user["customer"]["phone"], by_user["customer"]["user_id"]) == (PHONE, USER)
    assert await Customer.filter(account_id=tenant.account.id).count() == 1
    response = await post(client, tenant, "send-text-message", customer_user_id=USER, text="Hi")
    assert response.status_code == 200, response.text
    sent = await sent_to_meta(sandbox, tenant)
    assert sent[0]["payload"]["to"] == "+" + PHONE
    assert "recipient" not in sent[0]["payload"]


async def test_a_template_reaches_a_bsuid_user_by_recipient(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await approved_template(
        client,
        sandbox,
        tenant,
        name="order_update",
        body="Order {{1}} is here",
        body_examples=["#1"],
    )
    await _user_writes(sandbox, tenant)
    sent_ok = await post(
        client,
        tenant,
        "send-template-text-variable",
        customer_user_id=USER,
        template_id=template["id"],
        variable=["#7"],
    )
    unknown = await post(
        client,
        tenant,
        "send-template-text-variable",
        customer_user_id="US.99",
        template_id=template["id"],
        variable=["#8"],
    )
    assert sent_ok.status_code == 200, sent_ok.text
    assert (unknown.status_code, unknown.json()["message"]) == (404, "Customer not found")
    sent = await sent_to_meta(sandbox, tenant)
    assert len(sent) == 1
    assert sent[0]["payload"]["recipient"] == USER
    assert "to" not in sent[0]["payload"]
    assert sent[0]["payload"]["template"]["name"] == "order_update"


async def test_an_authentication_template_is_not_sent_to_a_bsuid(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    template = await approved_template(
        client,
        sandbox,
        tenant,
        name="order_update",
        body="Order {{1}} is here",
        body_examples=["#1"],
    )
    # Meta refuses BSUIDs for authentication templates whatever their shape.
    await Template.filter(id=template["id"]).update(category="AUTHENTICATION")
    await _user_writes(sandbox, tenant)
    response = await post(
        client,
        tenant,
        "send-template-text-variable",
        customer_user_id=USER,
        template_id=template["id"],
        variable=["123456"],
    )
    assert response.status_code == 400
    assert response.json()["message"] == (
        "Authentication templates can only be sent to a phone number, not a customer_user_id"
    )
    assert await sent_to_meta(sandbox, tenant) == []
