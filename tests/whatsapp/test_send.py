"""The adapter's request bodies and success parsing, checked by what the sandbox received."""

from __future__ import annotations

from mumble.whatsapp.client import Channel, GraphClient
from mumble.whatsapp.payloads import media_payload, template_payload, text_payload
from tests.conftest import SandboxHandle

CUSTOMER = "16505551234"


async def _open_window(sandbox: SandboxHandle, channel: Channel) -> None:
    await sandbox.control.post(
        "/_sandbox/windows", json={"phone_number_id": channel.phone_number_id, "wa_id": CUSTOMER}
    )


async def _received(sandbox: SandboxHandle) -> list[dict]:
    return (await sandbox.control.get("/_sandbox/messages")).json()["data"]


async def test_text_send_posts_metas_exact_body_and_returns_the_wamid(
    graph: GraphClient, channel: Channel, sandbox: SandboxHandle
) -> None:
    await _open_window(sandbox, channel)

    wamid = await graph.send_message(channel, text_payload(CUSTOMER, "Order 123 shipped"))

    assert wamid.startswith("wamid.")
    [sent] = await _received(sandbox)
    assert sent["id"] == wamid
    assert sent["authorization"] == "Bearer EAAsecret-token-123"
    assert sent["payload"] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+16505551234",
        "type": "text",
        "text": {"body": "Order 123 shipped", "preview_url": False},
    }
    [request] = (await sandbox.control.get("/_sandbox/requests")).json()["data"][-1:]
    assert request["path"] == "/v23.0/106540352242922/messages"
