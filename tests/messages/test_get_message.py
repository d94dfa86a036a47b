"""get-message: by WhatsApp id, scoped to the caller's account."""

from __future__ import annotations

import httpx

from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import PHONE, customer_writes, send_text


async def _get(client: httpx.AsyncClient, tenant: Tenant, **params: str) -> httpx.Response:
    return await client.get("/mumbleapi/get-message", params=params, headers=tenant.headers)


async def test_a_sent_message_is_found_by_its_wamid_with_its_status(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    sent = (await send_text(client, tenant, "Hello")).json()
    await sandbox.flush()
    response = await _get(client, tenant, message_wa_id=sent["message_wa_id"])
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    message = body["message"]
    assert message["id"] == sent["id"]
    assert message["text"] == "Hello"
    assert message["status"] == "read"
    assert message["message_wa_id"] == sent["message_wa_id"]
    assert (message["direction"], message["type"], message["to"]) == ("outbound", "text", PHONE)


async def test_an_inbound_message_is_found_too(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    wamid = (await customer_writes(sandbox, tenant, text="hello there"))["id"]
    message = (await _get(client, tenant, message_wa_id=wamid)).json()["message"]
    assert (message["text"], message["status"], message["from"]) == (
        "hello there",
        "received",
        PHONE,
    )


async def test_get_message_errors(client: httpx.AsyncClient, tenant: Tenant) -> None:
    missing = await _get(client, tenant)
    assert missing.status_code == 400
    assert missing.json() == {"error": True, "message": "Message WhatsApp Id is required"}
    unknown = await _get(client, tenant, message_wa_id="wamid.nope")
    assert unknown.status_code == 404
    assert unknown.json() == {"error": True, "message": "Message not found"}


async def test_another_account_cannot_read_the_message(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, other_tenant: Tenant
) -> None:
    wamid = (await customer_writes(sandbox, tenant, text="private"))["id"]
    response = await _get(client, other_tenant, message_wa_id=wamid)
    assert response.status_code == 404
    assert response.json()["message"] == "Message not found"
