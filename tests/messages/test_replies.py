"""Replies: a send quoting a message of the conversation (`reply_to` -> Meta's `context`), and
inbound replies and reactions stored with what they answer."""

from __future__ import annotations

import httpx

from mumble.models import Message
from tests.api import get, post
from tests.conftest import MakeTenant, SandboxHandle, Tenant
from tests.messages.support import PHONE, customer_writes, send_text, sent_to_meta, stored_messages

OTHER_PHONE = "972509999999"


async def _conversation(client: httpx.AsyncClient, tenant: Tenant) -> list[dict[str, object]]:
    response = await get(client, tenant, "get-conversation", customer_phone=PHONE)
    assert response.status_code == 200, response.text
    messages: list[dict[str, object]] = response.json()["messages"]
    return messages


async def test_a_text_reply_quotes_the_message_as_metas_context_and_is_shown(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    inbound = await customer_writes(sandbox, tenant, text="Where is my order?")
    response = await send_text(client, tenant, "On its way", reply_to=inbound["id"])
    assert response.status_code == 200, response.text
    sent = await sent_to_meta(sandbox, tenant)
    assert sent[0]["payload"] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+" + PHONE,
        "type": "text",
        "text": {"body": "On its way", "preview_url": False},
        "context": {"message_id": inbound["id"]},
        "biz_opaque_callback_data": f"mumble-message:{response.json()['id']}",
    }
    shown = await _conversation(client, tenant)
    assert [m["reply_to"] for m in shown] == [None, inbound["id"]]


async def test_a_media_reply_carries_the_context_too(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    inbound = await customer_writes(sandbox, tenant, text="Send the invoice")
    response = await post(
        client,
        tenant,
        "send-media-message",
        customer_phone=PHONE,
        media_url="https://example.com/invoice.pdf",
        reply_to=inbound["id"],
    )
    assert response.status_code == 200, response.text
    sent = await sent_to_meta(sandbox, tenant)
    assert sent[0]["payload"]["context"] == {"message_id": inbound["id"]}
    assert sent[0]["payload"]["document"] == {"link": "https://example.com/invoice.pdf"}
    message = await Message.get(id=response.json()["id"])
    assert message.reply_to == inbound["id"]


async def test_a_reply_to_our_own_earlier_message_is_accepted(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    first = (await send_text(client, tenant, "First")).json()
    response = await send_text(client, tenant, "About that", reply_to=first["message_wa_id"])
    assert response.status_code == 200, response.text
    sent = await sent_to_meta(sandbox, tenant)
    assert sent[1]["payload"]["context"] == {"message_id": first["message_wa_id"]}


async def test_a_reply_to_a_wamid_outside_the_conversation_is_refused_before_anything(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    other = await customer_writes(sandbox, tenant, phone=OTHER_PHONE, text="another customer")
    await customer_writes(sandbox, tenant, text="hi")
    before = len(await stored_messages(tenant))
    for wamid in ("wamid.nothing-like-it", other["id"]):
        response = await send_text(client, tenant, "Hello", reply_to=wamid, name="Changed")
        assert response.status_code == 404
        assert response.json() == {
            "error": True,
            "message": "reply_to names no message in this customer's conversation",
        }
    assert await sent_to_meta(sandbox, tenant) == []
    assert len(await stored_messages(tenant)) == before


async def test_a_reply_to_another_accounts_message_is_not_found(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, make_tenant: MakeTenant
) -> None:
    other = await make_tenant("Other Co")
    theirs = await customer_writes(sandbox, other, text="to the other business")
    await customer_writes(sandbox, tenant, text="hi")
    response = await send_text(client, tenant, "Hello", reply_to=theirs["id"])
    assert response.status_code == 404
    assert await sent_to_meta(sandbox, tenant) == []


async def test_a_too_long_reply_to_is_a_400(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    response = await send_text(client, tenant, "Hello", reply_to="w" * 256)
    assert response.status_code == 400
    assert "reply_to" in response.json()["message"]


async def test_an_inbound_reply_stores_the_quoted_wamid_and_the_conversation_shows_it(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    ours = (await send_text(client, tenant, "Your code is ready")).json()
    context = {"from": tenant.account.display_phone, "id": ours["message_wa_id"]}
    await customer_writes(sandbox, tenant, text="Thanks!", context=context)
    shown = await _conversation(client, tenant)
    assert shown[-1]["text"] == "Thanks!"
    assert shown[-1]["reply_to"] == ours["message_wa_id"]


async def test_an_inbound_reaction_stores_the_message_it_is_on(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    ours = (await send_text(client, tenant, "Done")).json()
    await customer_writes(
        sandbox, tenant, type="reaction", message_id=ours["message_wa_id"], emoji="\u2764\ufe0f"
    )
    shown = await _conversation(client, tenant)
    assert (shown[-1]["type"], shown[-1]["text"]) == ("reaction", "\u2764\ufe0f")
    assert shown[-1]["reply_to"] == ours["message_wa_id"]


async def test_a_forwarded_message_answers_nothing(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="fwd", context={"forwarded": True})
    shown = await _conversation(client, tenant)
    assert shown[-1]["reply_to"] is None
