"""Sandbox templates: created PENDING, reviewed, status webhooks, send rules, paged listing."""

from __future__ import annotations

import time
from typing import Any

import httpx

from mumble.settings import GRAPH_VERSION
from mumble.whatsapp.payloads import template_payload
from mumble.whatsapp.signature import verify
from tests.conftest import TEST_APP_SECRET, SandboxHandle
from tests.sandbox.conftest import PHONE_NUMBER_ID, WABA_ID, Received

HEADERS = {"Authorization": "Bearer EAAtoken"}
CUSTOMER = "16505551234"
ORDER_UPDATE = {
    "name": "order_update",
    "language": "en_US",
    "category": "UTILITY",
    "components": [
        {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::aGVsbG8="]}},
        {
            "type": "BODY",
            "text": "Hi {{1}}, your order {{2}} has shipped.",
            "example": {"body_text": [["Pablo", "860198"]]},
        },
        {
            "type": "BUTTONS",
            "buttons": [
                {
                    "type": "URL",
                    "text": "Track",
                    "url": "https://ex.com/t/{{1}}",
                    "example": ["https://ex.com/t/860198"],
                }
            ],
        },
    ],
}


async def _create(sandbox: SandboxHandle, body: dict[str, Any] = ORDER_UPDATE) -> httpx.Response:
    return await sandbox.control.post(
        f"/{GRAPH_VERSION}/{WABA_ID}/message_templates", json=body, headers=HEADERS
    )


async def _status(sandbox: SandboxHandle, template_id: str, **body: Any) -> dict[str, Any]:
    response = await sandbox.control.post(f"/_sandbox/templates/{template_id}/status", json=body)
    assert response.status_code == 200
    answer: dict[str, Any] = response.json()
    return answer


async def _send(
    sandbox: SandboxHandle,
    *,
    language: str = "en_US",
    body_params: tuple[str, ...] = ("Jessica", "SKBUP2"),
    header: dict[str, Any] | None = None,
    buttons: tuple[dict[str, Any], ...] = ({"sub_type": "url", "index": 0, "text": "860198"},),
) -> httpx.Response:
    payload = template_payload(
        CUSTOMER,
        "order_update",
        language,
        header=header or {"type": "image", "link": "https://ex.com/h.png"},
        body_params=body_params,
        buttons=buttons,
    )
    return await sandbox.control.post(
        f"/{GRAPH_VERSION}/{PHONE_NUMBER_ID}/messages", json=payload, headers=HEADERS
    )


def _code(response: httpx.Response) -> int:
    return int(response.json()["error"]["code"])


async def test_a_created_template_is_pending_and_cannot_be_sent(
    sandbox: SandboxHandle, received: Received
) -> None:
    created = await _create(sandbox)

    assert created.status_code == 200
    assert created.json()["status"] == "PENDING"
    assert created.json()["category"] == "UTILITY"
    assert created.json()["id"].isdigit()
    refused = await _send(sandbox)
    assert refused.status_code == 404
    assert _code(refused) == 132001


async def test_the_same_name_and_language_twice_is_refused(sandbox: SandboxHandle) -> None:
    await _create(sandbox)
    again = await _create(sandbox)
    assert again.status_code == 400
    assert again.json()["error"]["error_subcode"] == 2388024


async def test_lifecycle_emits_signed_status_webhooks_and_gates_sends(
    sandbox: SandboxHandle, received: Received
) -> None:
    template_id = (await _create(sandbox)).json()["id"]

    await _status(sandbox, template_id, status="APPROVED")
    sent = await _send(sandbox)
    await _status(sandbox, template_id, status="PAUSED")
    paused = await _send(sandbox)
    await _status(sandbox, template_id, status="DISABLED")
    disabled = await _send(sandbox)
    await _status(sandbox, template_id, status="REJECTED", reason="INCORRECT_CATEGORY")

    assert sent.status_code == 200
    assert _code(paused) == 132015
    assert _code(disabled) == 132016
    template_hooks = [
        (body, sig) for body, sig in received.raw if b"message_template_status_update" in body
    ]
    assert all(verify(body, sig, TEST_APP_SECRET) for body, sig in template_hooks)
    values = [
        b["entry"][0]["changes"][0]["value"]
        for b in received.bodies
        if b["entry"][0]["changes"][0]["field"] == "message_template_status_update"
    ]
    assert [v["event"] for v in values] == ["APPROVED", "PAUSED", "DISABLED", "REJECTED"]
    assert values[0] == {
        "event": "APPROVED",
        "message_template_id": int(template_id),
        "message_template_name": "order_update",
        "message_template_language": "en_US",
        "reason": "NONE",
        "message_template_category": "UTILITY",
    }
    assert values[1]["other_info"]["title"] == "FIRST_PAUSE"
    assert "disable_date" in values[2]["disable_info"]
    assert values[3]["reason"] == "INCORRECT_CATEGORY"
    assert received.bodies[0]["entry"][0]["id"] == WABA_ID


async def test_send_rules_language_parameter_count_header_and_button(
    sandbox: SandboxHandle, received: Received
) -> None:
    template_id = (await _create(sandbox)).json()["id"]
    await _status(sandbox, template_id, status="APPROVED")

    wrong_language = await _send(sandbox, language="en_GB")
    too_few = await _send(sandbox, body_params=("Jessica",))
    wrong_header = await _send(sandbox, header={"type": "video", "link": "https://ex.com/v.mp4"})
    no_button = await _send(sandbox, buttons=())

    assert _code(wrong_language) == 132001
    assert _code(too_few) == 132000
    assert (
        "(1) does not match the expected number of params (2)"
        in (too_few.json()["error"]["error_data"]["details"])
    )
    assert _code(wrong_header) == 132012
    assert _code(no_button) == 132000


async def test_templates_are_reviewed_after_the_configured_delay(
    sandbox: SandboxHandle, received: Received
) -> None:
    await sandbox.control.post("/_sandbox/config", json={"review_delay": 0.01})
    template_id = (await _create(sandbox)).json()["id"]

    await sandbox.flush()

    listed = (await sandbox.control.get("/_sandbox/templates")).json()["data"]
    assert [(t["id"], t["status"]) for t in listed] == [(template_id, "APPROVED")]
    assert received.bodies[-1]["entry"][0]["changes"][0]["value"]["event"] == "APPROVED"


async def test_a_template_breaking_a_rule_is_rejected_with_the_reason(
    sandbox: SandboxHandle, received: Received
) -> None:
    broken = ORDER_UPDATE | {
        "name": "dangling",
        "components": [{"type": "BODY", "text": "{{1}} is your code"}],
    }
    template_id = (await _create(sandbox, broken)).json()["id"]

    reviewed = await sandbox.control.post(f"/_sandbox/templates/{template_id}/review")

    assert reviewed.json()["status"] == "REJECTED"
    assert reviewed.json()["problems"]
    value = received.bodies[-1]["entry"][0]["changes"][0]["value"]
    assert value["event"] == "REJECTED"
    assert value["reason"] == "INVALID_FORMAT"
    assert value["rejection_info"]["reason"]


async def test_listing_pages_with_cursors_like_meta(sandbox: SandboxHandle) -> None:
    for i in range(5):
        await _create(sandbox, ORDER_UPDATE | {"name": f"t_{i}"})

    first = (
        await sandbox.control.get(
            f"/{GRAPH_VERSION}/{WABA_ID}/message_templates", params={"limit": 2}, headers=HEADERS
        )
    ).json()
    names = [t["name"] for t in first["data"]]
    page = first
    while "next" in page["paging"]:
        page = (await sandbox.control.get(page["paging"]["next"], headers=HEADERS)).json()
        names += [t["name"] for t in page["data"]]

    assert names == [f"t_{i}" for i in range(5)]
    assert set(first["data"][0]) >= {"id", "name", "language", "status", "category", "components"}
    assert first["paging"]["cursors"]["after"]
    other_waba = await sandbox.control.get(
        f"/{GRAPH_VERSION}/999/message_templates", headers=HEADERS
    )
    assert other_waba.json() == {"data": []}


async def test_an_authentication_template_with_free_text_is_rejected(
    sandbox: SandboxHandle, received: Received
) -> None:
    free_text = {
        "name": "login_code",
        "language": "en_US",
        "category": "AUTHENTICATION",
        "components": [
            {"type": "BODY", "text": "Your login code is below."},
            {"type": "BUTTONS", "buttons": [{"type": "OTP", "otp_type": "COPY_CODE"}]},
        ],
    }
    template_id = (await _create(sandbox, free_text)).json()["id"]

    reviewed = await sandbox.control.post(f"/_sandbox/templates/{template_id}/review")

    assert reviewed.json()["status"] == "REJECTED"
    assert any("take no body text" in p for p in reviewed.json()["problems"])


async def test_a_hostile_template_body_is_answered_at_once(sandbox: SandboxHandle) -> None:
    hostile = ORDER_UPDATE | {
        "name": "hostile",
        "components": [{"type": "BODY", "text": "Hi {{1}} " + "{{" * 20_000}],
    }

    started = time.perf_counter()
    created = await _create(sandbox, hostile)
    elapsed = time.perf_counter() - started

    assert created.status_code == 200
    # 40 KB of "{{" took 14 s with a rescanning regex; linear work is milliseconds.
    assert elapsed < 2.0, elapsed
    listed = (await sandbox.control.get("/_sandbox/templates")).json()["data"]
    assert listed[0]["status"] == "PENDING"
