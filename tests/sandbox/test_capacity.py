"""A number's capacity at the sandbox: the Graph fields Mumble's pacer reads, and the webhooks
that announce a throughput upgrade or a new messaging limit, in Meta's shapes."""

from __future__ import annotations

from tests.conftest import SandboxHandle
from tests.sandbox.conftest import DISPLAY, PHONE_NUMBER_ID, WABA_ID, Received

FIELDS = "throughput,whatsapp_business_manager_messaging_limit,quality_rating"


async def _fields(sandbox: SandboxHandle) -> dict[str, object]:
    response = await sandbox.control.get(
        f"/v26.0/{PHONE_NUMBER_ID}",
        params={"fields": FIELDS},
        headers={"Authorization": "Bearer token"},
    )
    assert response.status_code == 200, response.text
    answer: dict[str, object] = response.json()
    return answer


async def test_graph_answers_the_numbers_throughput_level_and_messaging_limit(
    sandbox: SandboxHandle, received: Received
) -> None:
    assert await _fields(sandbox) == {
        "id": PHONE_NUMBER_ID,
        "throughput": {"level": "STANDARD"},
        "whatsapp_business_manager_messaging_limit": "TIER_UNLIMITED",
        "quality_rating": "GREEN",
    }
    changed = await sandbox.control.post(
        "/_sandbox/capacity",
        json={"phone_number_id": PHONE_NUMBER_ID, "messaging_limit": "TIER_2K"},
    )
    assert changed.status_code == 200, changed.text
    assert (await _fields(sandbox))["whatsapp_business_manager_messaging_limit"] == "TIER_2K"


async def test_a_throughput_upgrade_is_a_phone_number_quality_update_webhook(
    sandbox: SandboxHandle, received: Received
) -> None:
    response = await sandbox.control.post(
        "/_sandbox/quality-update",
        json={"phone_number_id": PHONE_NUMBER_ID, "event": "THROUGHPUT_UPGRADE"},
    )
    assert response.status_code == 200, response.text
    [body] = received.bodies
    [entry] = body["entry"]
    assert entry["id"] == WABA_ID
    [change] = entry["changes"]
    assert change["field"] == "phone_number_quality_update"
    assert change["value"] == {
        "display_phone_number": DISPLAY,
        "event": "THROUGHPUT_UPGRADE",
        "current_limit": "TIER_UNLIMITED",
        "max_daily_conversations_per_business": "TIER_UNLIMITED",
    }
    assert await _fields(sandbox) == {
        "id": PHONE_NUMBER_ID,
        "throughput": {"level": "HIGH"},
        "whatsapp_business_manager_messaging_limit": "TIER_UNLIMITED",
        "quality_rating": "GREEN",
    }


async def test_a_new_messaging_limit_is_a_business_capability_update_webhook(
    sandbox: SandboxHandle, received: Received
) -> None:
    response = await sandbox.control.post(
        "/_sandbox/capability-update",
        json={"phone_number_id": PHONE_NUMBER_ID, "max_daily_conversations_per_business": 10000},
    )
    assert response.status_code == 200, response.text
    [change] = received.bodies[0]["entry"][0]["changes"]
    assert change["field"] == "business_capability_update"
    assert change["value"]["max_daily_conversations_per_business"] == 10000
    assert (await _fields(sandbox))["whatsapp_business_manager_messaging_limit"] == "TIER_10K"


async def test_bad_capacity_requests_are_400(sandbox: SandboxHandle, received: Received) -> None:
    for path, body in [
        ("capacity", {"phone_number_id": "nope"}),
        ("capacity", {"phone_number_id": PHONE_NUMBER_ID, "throughput_level": "TURBO"}),
        ("quality-update", {"phone_number_id": PHONE_NUMBER_ID}),
        ("capability-update", {"phone_number_id": PHONE_NUMBER_ID}),
    ]:
        response = await sandbox.control.post(f"/_sandbox/{path}", json=body)
        assert response.status_code == 400, (path, body)
        assert "error" in response.json()
    assert received.bodies == []
