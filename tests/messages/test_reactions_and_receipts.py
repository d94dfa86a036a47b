"""send-reaction and mark-as-read over real HTTP against the sandbox."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mumble.accounts import service as accounts
from mumble.accounts.roles import create_role
from mumble.models import Message
from tests.api import body, get, post
from tests.conftest import MakeTenant, SandboxHandle, Tenant
from tests.messages.support import PHONE, customer_writes, send_text, sent_to_meta, stored_messages

THUMBS_UP = "\U0001f44d"


async def _read_receipts(sandbox: SandboxHandle, tenant: Tenant) -> list[dict[str, Any]]:
    """The read receipts the sandbox got on the tenant's number, as sent."""
    log = body(await sandbox.control.get("/_sandbox/requests"))["data"]
    path = f"/{tenant.account.phone_number_id}/messages"
    return [
        r["json"]
        for r in log
        if r["path"].endswith(path) and isinstance(r.get("json"), dict) and "status" in r["json"]
    ]


async def test_a_reaction_is_sent_like_meta_expects_and_stored_with_its_target(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    inbound = await customer_writes(sandbox, tenant, text="It arrived!")
    response = await post(
        client,
        tenant,
        "send-reaction",
        customer_phone=PHONE,
        message_wa_id=inbound["id"],
        emoji=THUMBS_UP,
    )
    assert response.status_code == 200, response.text
    sent = await sent_to_meta(sandbox, tenant)
    assert sent[0]["payload"] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+" + PHONE,
        "type": "reaction",
        "reaction": {"message_id": inbound["id"], "emoji": THUMBS_UP},
        "biz_opaque_callback_data": f"mumble-message:{response.json()['id']}",
    }
    answer = response.json()
    assert answer == {"success": True, "id": answer["id"], "message_wa_id": sent[0]["id"]}
    message = await Message.get(id=answer["id"])
    assert (message.type, message.text, message.reply_to) == ("reaction", THUMBS_UP, inbound["id"])
    shown = (await get(client, tenant, "get-message", message_wa_id=sent[0]["id"])).json()
    assert shown["message"]["reply_to"] == inbound["id"]


async def test_an_empty_emoji_removes_the_reaction(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    inbound = await customer_writes(sandbox, tenant, text="hi")
    response = await post(
        client, tenant, "send-reaction", customer_phone=PHONE, message_wa_id=inbound["id"], emoji=""
    )
    assert response.status_code == 200, response.text
    sent = await sent_to_meta(sandbox, tenant)
    assert sent[0]["payload"]["reaction"] == {"message_id": inbound["id"], "emoji": ""}
    assert (await Message.get(id=response.json()["id"])).text is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"message_wa_id": "w", "emoji": THUMBS_UP}, "Phone number is required."),
        ({"customer_phone": PHONE, "emoji": THUMBS_UP}, "Message WhatsApp Id is required"),
        (
            {"customer_phone": PHONE, "message_wa_id": "w"},
            "emoji is required (an empty emoji removes the reaction)",
        ),
    ],
)
async def test_a_reaction_missing_a_parameter_is_a_400(
    client: httpx.AsyncClient,
    sandbox: SandboxHandle,
    tenant: Tenant,
    fields: dict[str, str],
    message: str,
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    response = await post(client, tenant, "send-reaction", **fields)
    assert response.status_code == 400
    assert response.json() == {"error": True, "message": message}


async def test_a_reaction_refusals_send_and_store_nothing(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    inbound = await customer_writes(sandbox, tenant, text="hi")
    theirs = await customer_writes(sandbox, tenant, phone="972509999999", text="someone else")
    await customer_writes(
        sandbox, tenant, type="reaction", message_id="wamid.x", emoji=THUMBS_UP, id="wamid.reacted"
    )
    before = len(await stored_messages(tenant))
    cases = [
        ("wamid.unknown", THUMBS_UP, 404),
        (theirs["id"], THUMBS_UP, 404),
        ("wamid.reacted", THUMBS_UP, 400),
        (inbound["id"], "x" * 33, 400),
    ]
    for wamid, emoji, status in cases:
        response = await post(
            client, tenant, "send-reaction", customer_phone=PHONE, message_wa_id=wamid, emoji=emoji
        )
        assert response.status_code == status, (wamid, response.text)
    assert await sent_to_meta(sandbox, tenant) == []
    assert len(await stored_messages(tenant)) == before


async def test_a_reaction_outside_the_window_is_refused(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    response = await post(
        client, tenant, "send-reaction", customer_phone=PHONE, message_wa_id="w", emoji=THUMBS_UP
    )
    assert response.status_code == 400
    assert response.json()["message"] == "Conversation is closed (send a template instead)"


async def test_a_second_account_cannot_react_to_or_read_the_first_accounts_messages(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, make_tenant: MakeTenant
) -> None:
    other = await make_tenant("Other Co")
    inbound = await customer_writes(sandbox, tenant, text="hi")
    await customer_writes(sandbox, other, text="hi other")
    reaction = await post(
        client,
        other,
        "send-reaction",
        customer_phone=PHONE,
        message_wa_id=inbound["id"],
        emoji=THUMBS_UP,
    )
    read = await post(client, other, "mark-as-read", message_wa_id=inbound["id"])
    assert reaction.status_code == 404
    assert read.status_code == 404
    assert read.json() == {"error": True, "message": "Message not found"}
    assert await sent_to_meta(sandbox, other) == []
    assert await _read_receipts(sandbox, other) == []


async def test_mark_as_read_sends_metas_read_receipt_with_the_typing_indicator(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    inbound = await customer_writes(sandbox, tenant, text="hello?")
    plain = await post(client, tenant, "mark-as-read", message_wa_id=inbound["id"])
    typing = await post(
        client, tenant, "mark-as-read", message_wa_id=inbound["id"], typing_indicator=True
    )
    assert (plain.status_code, plain.json()) == (200, {"success": True})
    assert (typing.status_code, typing.json()) == (200, {"success": True})
    assert await _read_receipts(sandbox, tenant) == [
        {"messaging_product": "whatsapp", "status": "read", "message_id": inbound["id"]},
        {
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": inbound["id"],
            "typing_indicator": {"type": "text"},
        },
    ]


async def test_mark_as_read_refuses_our_own_messages_unknown_ones_and_bad_flags(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    ours = (await send_text(client, tenant, "Hello")).json()
    outbound = await post(client, tenant, "mark-as-read", message_wa_id=ours["message_wa_id"])
    unknown = await post(client, tenant, "mark-as-read", message_wa_id="wamid.unknown")
    missing = await post(client, tenant, "mark-as-read")
    flag = await post(client, tenant, "mark-as-read", message_wa_id="w", typing_indicator="maybe")
    assert (outbound.status_code, outbound.json()["message"]) == (
        400,
        "Only a message the customer sent can be marked as read",
    )
    assert (unknown.status_code, unknown.json()["message"]) == (404, "Message not found")
    assert (missing.status_code, missing.json()["message"]) == (
        400,
        "Message WhatsApp Id is required",
    )
    assert flag.status_code == 400
    assert await _read_receipts(sandbox, tenant) == []


async def test_a_read_only_key_may_neither_react_nor_mark_read(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    inbound = await customer_writes(sandbox, tenant, text="hi")
    role = await create_role(tenant.account.id, "reader", ["messages:read"])
    _, key = await accounts.create_key(tenant.account.id, role=role)
    headers = {"Mumble-Api-Key": key}
    reaction = await post(
        client,
        headers,
        "send-reaction",
        customer_phone=PHONE,
        message_wa_id=inbound["id"],
        emoji=THUMBS_UP,
    )
    read = await post(client, headers, "mark-as-read", message_wa_id=inbound["id"])
    assert reaction.status_code == 401
    assert read.status_code == 401
    assert reaction.json()["message"] == "User not authorized to send reactions."
    assert read.json()["message"] == "User not authorized to mark messages as read."
