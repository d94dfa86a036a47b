"""Graph answers a real client relies on: read receipts, Graph-shaped refusals, template queries,
BSUIDs and the richer status webhooks."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mumble.settings import GRAPH_VERSION, Settings
from tests.conftest import SandboxHandle
from tests.sandbox.conftest import PHONE_NUMBER_ID, WABA_ID, Received

HEADERS = {"Authorization": "Bearer EAAtoken"}
CUSTOMER = "16505551234"


async def _post(sandbox: SandboxHandle, path: str, body: dict[str, Any]) -> httpx.Response:
    return await sandbox.control.post(f"/{GRAPH_VERSION}/{path}", json=body, headers=HEADERS)


async def test_mark_as_read_and_typing_are_success(sandbox: SandboxHandle) -> None:
    read = {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.X"}

    plain = await _post(sandbox, f"{PHONE_NUMBER_ID}/messages", read)
    typing = await _post(
        sandbox, f"{PHONE_NUMBER_ID}/messages", read | {"typing_indicator": {"type": "text"}}
    )

    assert plain.json() == typing.json() == {"success": True}


async def test_unsupported_methods_answer_a_graph_error_with_a_fresh_trace_id(
    sandbox: SandboxHandle,
) -> None:
    first = await sandbox.control.put(
        f"/{GRAPH_VERSION}/{PHONE_NUMBER_ID}/messages", headers=HEADERS
    )
    second = await sandbox.control.put(
        f"/{GRAPH_VERSION}/{PHONE_NUMBER_ID}/messages", headers=HEADERS
    )

    assert first.status_code == 405
    assert first.json()["error"]["code"] == 100
    assert first.json()["error"]["fbtrace_id"] != second.json()["error"]["fbtrace_id"]


async def test_contacts_is_an_array_and_every_code_has_a_title(sandbox: SandboxHandle) -> None:
    await sandbox.control.post(
        "/_sandbox/windows", json={"phone_number_id": PHONE_NUMBER_ID, "wa_id": CUSTOMER}
    )
    body = {"messaging_product": "whatsapp", "to": "+" + CUSTOMER, "type": "contacts"}
    sent = await _post(
        sandbox,
        f"{PHONE_NUMBER_ID}/messages",
        body | {"contacts": [{"name": {"formatted_name": "J"}}]},
    )
    await sandbox.control.post("/_sandbox/faults", json={"error_code": 131026})
    refused = await _post(sandbox, f"{PHONE_NUMBER_ID}/messages", body | {"contacts": []})

    assert sent.status_code == 200
    assert refused.json()["error"]["message"] == "(#131026) Message undeliverable"


async def test_template_lists_filter_by_several_statuses_part_of_a_name_and_summarise(
    sandbox: SandboxHandle,
) -> None:
    body = {"type": "BODY", "text": "Hello there"}
    for name, status in (
        ("order_ready", "APPROVED"),
        ("order_late", "PAUSED"),
        ("promo", "APPROVED"),
    ):
        await sandbox.control.post(
            "/_sandbox/templates",
            json={
                "waba_id": WABA_ID,
                "name": name,
                "language": "en_US",
                "components": [body],
                "status": status,
            },
        )

    listed = await sandbox.control.get(
        f"/{GRAPH_VERSION}/{WABA_ID}/message_templates",
        params={"status": "APPROVED,PAUSED", "name": "order", "summary": "total_count"},
        headers=HEADERS,
    )

    assert sorted(t["name"] for t in listed.json()["data"]) == ["order_late", "order_ready"]
    assert listed.json()["summary"]["total_count"] == 2
    one = listed.json()["data"][0]
    got = await sandbox.control.get(f"/{GRAPH_VERSION}/{one['id']}", headers=HEADERS)
    assert got.json()["name"] == one["name"]
    gone = await sandbox.control.delete(
        f"/{GRAPH_VERSION}/{WABA_ID}/message_templates",
        params={"name": "order_late"},
        headers=HEADERS,
    )
    missing = await sandbox.control.delete(
        f"/{GRAPH_VERSION}/{WABA_ID}/message_templates",
        params={"name": "order_late"},
        headers=HEADERS,
    )
    assert gone.json() == {"success": True}
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == 100


async def test_statuses_carry_bsuids_contacts_pricing_and_the_callback_data(
    sandbox: SandboxHandle, received: Received
) -> None:
    await sandbox.control.post(
        "/_sandbox/config", json={"user_ids": True, "auto_statuses": ["sent", "read"]}
    )
    inbound = await sandbox.control.post(
        "/_sandbox/inbound", json={"phone_number_id": PHONE_NUMBER_ID, "from": CUSTOMER}
    )
    user_id = inbound.json()["envelope"]["entry"][0]["changes"][0]["value"]["contacts"][0][
        "user_id"
    ]
    await _post(
        sandbox,
        f"{PHONE_NUMBER_ID}/messages",
        {
            "messaging_product": "whatsapp",
            "recipient": user_id,
            "type": "text",
            "text": {"body": "Hi"},
            "biz_opaque_callback_data": "campaign-7",
        },
    )
    await sandbox.flush()

    values = [b["entry"][0]["changes"][0]["value"] for b in received.bodies[1:]]
    assert [v["statuses"][0]["status"] for v in values] == ["sent", "read"]  # delivered skipped
    for value in values:
        [status] = value["statuses"]
        assert status["recipient_user_id"] == user_id
        assert status["biz_opaque_callback_data"] == "campaign-7"
        assert status["pricing"]["category"] == "service"
        assert value["contacts"][0]["user_id"] == user_id


@pytest.mark.parametrize("version", ["v19.0", "v23.0", GRAPH_VERSION, "v99.0"])
async def test_any_graph_version_is_answered_like_the_current_one(
    sandbox: SandboxHandle, received: Received, version: str
) -> None:
    await sandbox.control.post(
        "/_sandbox/inbound",
        json={"phone_number_id": PHONE_NUMBER_ID, "from": CUSTOMER, "text": "hi"},
    )
    text = {"messaging_product": "whatsapp", "to": CUSTOMER, "type": "text", "text": {"body": "x"}}

    sent = await sandbox.control.post(
        f"/{version}/{PHONE_NUMBER_ID}/messages", json=text, headers=HEADERS
    )
    listed = await sandbox.control.get(f"/{version}/{WABA_ID}/message_templates", headers=HEADERS)

    assert sent.status_code == 200
    assert sent.json()["messages"][0]["id"].startswith("wamid.")
    assert listed.status_code == 200
    assert listed.json()["data"] == []


def test_the_graph_version_is_one_setting_defaulting_to_the_current_one() -> None:
    assert GRAPH_VERSION == "v26.0"
    assert Settings().whatsapp_api_version == GRAPH_VERSION
    assert Settings.from_env({"MUMBLE_WHATSAPP_API_VERSION": "v25.0"}).whatsapp_api_version == (
        "v25.0"
    )
