"""The sandbox enforces the 24-hour customer service window like Meta (131047)."""

from __future__ import annotations

from typing import Any

import httpx

from mumble.settings import GRAPH_VERSION
from tests.clock import FrozenClock
from tests.conftest import SandboxHandle
from tests.sandbox.conftest import PHONE_NUMBER_ID, Received

CUSTOMER = "16505551234"
HEADERS = {"Authorization": "Bearer EAAtoken"}


async def _send_text(sandbox: SandboxHandle, to: str = CUSTOMER) -> httpx.Response:
    body: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "to": "+" + to,
        "type": "text",
        "text": {"body": "Hello"},
    }
    return await sandbox.control.post(
        f"/{GRAPH_VERSION}/{PHONE_NUMBER_ID}/messages", json=body, headers=HEADERS
    )


async def _customer_writes(sandbox: SandboxHandle) -> None:
    response = await sandbox.control.post(
        "/_sandbox/inbound",
        json={"phone_number_id": PHONE_NUMBER_ID, "from": CUSTOMER, "text": "Hi there"},
    )
    assert response.status_code == 200


async def test_free_text_to_a_customer_who_never_wrote_is_131047(
    sandbox: SandboxHandle, received: Received
) -> None:
    response = await _send_text(sandbox)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 131047
    assert error["message"] == "(#131047) Re-engagement message"
    assert error["type"] == "OAuthException"
    assert error["fbtrace_id"]
    assert "24 hours" in error["error_data"]["details"]


async def test_window_opens_on_inbound_and_expires_after_24_hours(
    sandbox: SandboxHandle, received: Received, clock: FrozenClock
) -> None:
    await _customer_writes(sandbox)
    clock.advance(hours=23, minutes=59)
    opened = await _send_text(sandbox)

    clock.advance(minutes=1)
    expired = await _send_text(sandbox)

    assert opened.status_code == 200
    assert opened.json()["contacts"] == [{"input": "+" + CUSTOMER, "wa_id": CUSTOMER}]
    assert opened.json()["messages"][0]["id"].startswith("wamid.")
    assert expired.status_code == 400
    assert expired.json()["error"]["code"] == 131047


async def test_a_new_inbound_message_renews_the_window(
    sandbox: SandboxHandle, received: Received, clock: FrozenClock
) -> None:
    await _customer_writes(sandbox)
    clock.advance(hours=20)
    await _customer_writes(sandbox)
    clock.advance(hours=20)

    assert (await _send_text(sandbox)).status_code == 200


async def test_the_window_is_per_customer_and_can_be_opened_by_control_call(
    sandbox: SandboxHandle, received: Received
) -> None:
    await _customer_writes(sandbox)
    assert (await _send_text(sandbox, "447700900123")).status_code == 400

    opened = await sandbox.control.post(
        "/_sandbox/windows", json={"phone_number_id": PHONE_NUMBER_ID, "wa_id": "447700900123"}
    )

    assert opened.json() == {"open": True}
    assert (await _send_text(sandbox, "447700900123")).status_code == 200


async def test_a_missing_token_is_190(sandbox: SandboxHandle) -> None:
    response = await sandbox.control.post(
        f"/{GRAPH_VERSION}/{PHONE_NUMBER_ID}/messages", json={"messaging_product": "whatsapp"}
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == 190
