"""The sandbox's signed webhooks: statuses after a send, faults on them, inbound messages."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from mumble.settings import GRAPH_VERSION
from mumble.whatsapp.signature import verify
from tests.conftest import TEST_APP_SECRET, SandboxHandle
from tests.sandbox.conftest import DISPLAY, PHONE_NUMBER_ID, WABA_ID, Received

CUSTOMER = "16505551234"
HEADERS = {"Authorization": "Bearer EAAtoken"}


async def _send_text(sandbox: SandboxHandle) -> str:
    await sandbox.control.post(
        "/_sandbox/windows", json={"phone_number_id": PHONE_NUMBER_ID, "wa_id": CUSTOMER}
    )
    response = await sandbox.control.post(
        f"/{GRAPH_VERSION}/{PHONE_NUMBER_ID}/messages",
        json={
            "messaging_product": "whatsapp",
            "to": "+" + CUSTOMER,
            "type": "text",
            "text": {"body": "Hi"},
        },
        headers=HEADERS,
    )
    assert response.status_code == 200
    return str(response.json()["messages"][0]["id"])


async def test_each_accepted_message_gets_signed_sent_delivered_read(
    sandbox: SandboxHandle, received: Received
) -> None:
    wamid = await _send_text(sandbox)
    await sandbox.flush()

    assert received.statuses() == ["sent", "delivered", "read"]
    assert all(verify(body, sig, TEST_APP_SECRET) for body, sig in received.raw)
    assert not any(verify(body, sig, "another-secret") for body, sig in received.raw)
    sent = received.bodies[0]
    assert sent["object"] == "whatsapp_business_account"
    assert sent["entry"][0]["id"] == WABA_ID
    value = sent["entry"][0]["changes"][0]["value"]
    assert value["metadata"] == {
        "display_phone_number": DISPLAY,
        "phone_number_id": PHONE_NUMBER_ID,
    }
    [status] = value["statuses"]
    assert status["id"] == wamid
    assert status["recipient_id"] == CUSTOMER
    assert status["timestamp"].isdigit()
    assert status["pricing"]["pricing_model"] == "PMP"


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ("drop", ["delivered", "read"]),
        ("duplicate", ["sent", "sent", "delivered", "read"]),
        ("reorder", ["read", "delivered", "sent"]),
    ],
)
async def test_webhook_faults_drop_duplicate_or_reorder(
    sandbox: SandboxHandle, received: Received, fault: str, expected: list[str]
) -> None:
    await sandbox.control.post("/_sandbox/faults", json={"webhook": fault})

    await _send_text(sandbox)
    await sandbox.flush()

    assert received.statuses() == expected


async def test_early_statuses_are_delivered_before_the_send_is_answered(
    sandbox: SandboxHandle, received: Received
) -> None:
    response = await sandbox.control.post(
        "/_sandbox/faults", json={"early_statuses": ["sent", "delivered"], "count": 1}
    )
    assert response.status_code == 200
    assert response.json()["data"][0]["early_statuses"] == ["sent", "delivered"]

    wamid = await _send_text(sandbox)
    # Already there when the answer came: no flush needed for these two.
    assert received.statuses()[:2] == ["sent", "delivered"]
    assert all(s["id"] == wamid for b in received.bodies for s in _statuses(b))
    assert all(verify(body, sig, TEST_APP_SECRET) for body, sig in received.raw)
    await sandbox.flush()
    # The rest of auto_statuses follows in the background, nothing twice.
    assert received.statuses() == ["sent", "delivered", "read"]

    # The fault is used up: the next send is answered first, as usual.
    received.raw.clear()
    await sandbox.control.post("/_sandbox/config", json={"auto_statuses": []})
    await _send_text(sandbox)
    await sandbox.flush()
    assert received.statuses() == []
    assert (await sandbox.control.get("/_sandbox/faults")).json()["data"][0]["count"] == 0


@pytest.mark.parametrize("early", [[], ["sent", "opened"], "sent", [{"a": 1}]])
async def test_early_statuses_must_be_known_statuses(sandbox: SandboxHandle, early: object) -> None:
    response = await sandbox.control.post("/_sandbox/faults", json={"early_statuses": early})
    assert response.status_code == 400
    assert response.json() == {
        "error": "early_statuses must be a non-empty list of: sent, delivered, read"
    }
    assert (await sandbox.control.get("/_sandbox/faults")).json() == {"data": []}


def _statuses(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for e in body["entry"] for c in e["changes"] for s in c["value"]["statuses"]]


async def test_a_failed_status_carries_metas_webhook_error(
    sandbox: SandboxHandle, received: Received
) -> None:
    await sandbox.control.post("/_sandbox/config", json={"auto_statuses": []})
    wamid = await _send_text(sandbox)

    await sandbox.control.post(
        "/_sandbox/statuses",
        json={
            "id": wamid,
            "status": "failed",
            "error_code": 131026,
            "error_title": "Message undeliverable",
        },
    )

    [body] = received.bodies
    [status] = body["entry"][0]["changes"][0]["value"]["statuses"]
    assert status["status"] == "failed"
    assert status["errors"][0]["code"] == 131026
    assert status["errors"][0]["title"] == "Message undeliverable"


@pytest.mark.parametrize(
    ("kind", "extra", "check"),
    [
        ("text", {"text": "Hello"}, lambda m: m["text"] == {"body": "Hello"}),
        ("image", {"caption": "Look"}, lambda m: m["image"]["caption"] == "Look"),
        ("video", {}, lambda m: m["video"]["mime_type"] == "video/mp4"),
        ("audio", {"voice": True}, lambda m: m["audio"]["voice"] is True),
        ("document", {"filename": "a.pdf"}, lambda m: m["document"]["filename"] == "a.pdf"),
        ("sticker", {}, lambda m: m["sticker"]["mime_type"] == "image/webp"),
        ("location", {"location_name": "HQ"}, lambda m: m["location"]["name"] == "HQ"),
        ("contacts", {}, lambda m: m["contacts"][0]["phones"][0]["wa_id"]),
        (
            "interactive",
            {"reply_type": "list_reply", "reply_id": "r1", "reply_title": "Red"},
            lambda m: m["interactive"]["list_reply"]["id"] == "r1",
        ),
        ("button", {"payload": "STOP"}, lambda m: m["button"]["payload"] == "STOP"),
        (
            "reaction",
            {"message_id": "wamid.X", "emoji": "😀"},
            lambda m: m["reaction"] == {"message_id": "wamid.X", "emoji": "😀"},
        ),
        ("unsupported", {}, lambda m: m["errors"][0]["code"] == 131051),
    ],
)
async def test_simulated_inbound_messages_have_metas_shape(
    sandbox: SandboxHandle, received: Received, kind: str, extra: dict[str, Any], check: object
) -> None:
    response = await sandbox.control.post(
        "/_sandbox/inbound",
        json={
            "phone_number_id": PHONE_NUMBER_ID,
            "from": CUSTOMER,
            "type": kind,
            "name": "Sheena Nelson",
        }
        | extra,
    )

    assert response.json()["delivery"] == [200]
    [(raw, signature)] = received.raw
    assert verify(raw, signature, TEST_APP_SECRET)
    value = received.bodies[0]["entry"][0]["changes"][0]["value"]
    assert value["contacts"] == [{"profile": {"name": "Sheena Nelson"}, "wa_id": CUSTOMER}]
    [message] = value["messages"]
    assert message["from"] == CUSTOMER
    assert message["type"] == kind
    assert message["id"] == response.json()["id"]
    assert callable(check)
    assert check(message)


async def test_inbound_media_can_be_fetched_through_the_graph_api(
    sandbox: SandboxHandle, received: Received
) -> None:
    content = b"\x89PNG customer photo"
    await sandbox.control.post(
        "/_sandbox/inbound",
        json={
            "phone_number_id": PHONE_NUMBER_ID,
            "from": CUSTOMER,
            "type": "image",
            "mime_type": "image/png",
            "content": base64.b64encode(content).decode(),
        },
    )
    media_id = received.bodies[0]["entry"][0]["changes"][0]["value"]["messages"][0]["image"]["id"]

    info = (await sandbox.control.get(f"/{GRAPH_VERSION}/{media_id}", headers=HEADERS)).json()
    download = await sandbox.control.get(info["url"], headers=HEADERS)

    assert info["mime_type"] == "image/png"
    assert download.content == content


async def test_a_username_user_without_a_phone_number_is_delivered_with_a_bsuid(
    sandbox: SandboxHandle, received: Received
) -> None:
    await sandbox.control.post(
        "/_sandbox/inbound",
        json={
            "phone_number_id": PHONE_NUMBER_ID,
            "type": "text",
            "text": "hey",
            "username": "sheena",
        },
    )

    value = received.bodies[0]["entry"][0]["changes"][0]["value"]
    [contact], [message] = value["contacts"], value["messages"]
    assert "wa_id" not in contact
    assert "from" not in message
    assert contact["user_id"] == message["from_user_id"]
    assert contact["user_id"].startswith("US.")
    assert contact["profile"]["username"] == "sheena"


async def test_the_request_log_masks_bearer_tokens(sandbox: SandboxHandle) -> None:
    token = "EAAsecret-token-987654"
    await sandbox.control.post(
        f"/{GRAPH_VERSION}/{PHONE_NUMBER_ID}/messages",
        json={"messaging_product": "whatsapp", "to": "+" + CUSTOMER, "type": "text"},
        headers={"Authorization": f"Bearer {token}"},
    )

    logged = (await sandbox.control.get("/_sandbox/requests")).text

    assert token not in logged
    assert '"authorization":"Bearer ***7654"' in logged.replace(" ", "").replace(
        "Bearer***", "Bearer ***"
    )
