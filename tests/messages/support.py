"""Helpers of the messaging tests: a customer writing in through the sandbox, what Meta got."""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from mumble.models import Message
from mumble.whatsapp.signature import HEADER, sign
from tests.api import body, post
from tests.conftest import TEST_APP_SECRET, SandboxHandle, Tenant

PHONE = "972501234567"


async def customer_writes(
    sandbox: SandboxHandle, tenant: Tenant, phone: str | None = PHONE, **spec: Any
) -> dict[str, Any]:
    """The customer sends a message (text by default); the sandbox delivers the webhook."""
    request: dict[str, Any] = {"phone_number_id": tenant.account.phone_number_id, **spec}
    if phone is not None:
        request["from"] = phone
    response = await sandbox.control.post("/_sandbox/inbound", json=request)
    assert response.status_code == 200, response.text
    result = body(response)
    assert result["delivery"] == [200], result
    return result


async def sent_to_meta(sandbox: SandboxHandle, tenant: Tenant) -> list[dict[str, Any]]:
    """Every message the sandbox accepted from this tenant's number."""
    response = await sandbox.control.get(
        "/_sandbox/messages", params={"phone_number_id": tenant.account.phone_number_id}
    )
    data: list[dict[str, Any]] = body(response)["data"]
    return data


async def inject_fault(sandbox: SandboxHandle, **fault: Any) -> None:
    response = await sandbox.control.post("/_sandbox/faults", json=fault)
    assert response.status_code == 200, response.text


async def post_signed(
    client: httpx.AsyncClient, envelope: Any, *, secret: str = TEST_APP_SECRET
) -> httpx.Response:
    """POST a webhook body to /webhooks/whatsapp signed as Meta would sign it."""
    raw = orjson.dumps(envelope)
    return await client.post(
        "/webhooks/whatsapp",
        content=raw,
        headers={"Content-Type": "application/json", HEADER: sign(raw, secret)},
    )


def messages_envelope(tenant: Tenant, **value: Any) -> dict[str, Any]:
    """A `messages` webhook for the tenant's number with the given value parts."""
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": tenant.account.waba_id,
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": tenant.account.display_phone,
                                "phone_number_id": tenant.account.phone_number_id,
                            },
                            **value,
                        },
                    }
                ],
            }
        ],
    }


async def send_text(
    client: httpx.AsyncClient,
    tenant: Tenant,
    text: str = "Hello!",
    phone: str = PHONE,
    **extra: Any,
) -> httpx.Response:
    return await post(client, tenant, "send-text-message", customer_phone=phone, text=text, **extra)


async def stored_messages(tenant: Tenant) -> list[Message]:
    return await Message.filter(account_id=tenant.account.id).order_by("id")
