"""The webhook's front door: subscription handshake, signatures, unknown numbers, bad items."""

from __future__ import annotations

import httpx
import orjson

from mumble.models import Customer, Event, Message
from mumble.whatsapp.signature import HEADER, sign
from tests.conftest import TEST_VERIFY_TOKEN, SandboxHandle, Tenant
from tests.messages.support import messages_envelope, post_signed


def _text(wamid: str, sender: str = "972501234567", body: str = "hi") -> dict[str, object]:
    return {
        "from": sender,
        "id": wamid,
        "timestamp": "1782734400",
        "type": "text",
        "text": {"body": body},
    }


def _contact(wa_id: str = "972501234567", name: str = "Dana") -> dict[str, object]:
    return {"profile": {"name": name}, "wa_id": wa_id}


async def test_handshake_echoes_the_challenge_for_the_right_token(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(
        "/webhooks/whatsapp",
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": TEST_VERIFY_TOKEN,
            "hub.challenge": "1158201444",
        },
    )
    assert response.status_code == 200
    assert response.text == "1158201444"
    assert response.headers["content-type"].startswith("text/plain")


async def test_handshake_with_a_wrong_token_or_mode_is_403(client: httpx.AsyncClient) -> None:
    for params in (
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": TEST_VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.challenge": "1"},
    ):
        response = await client.get("/webhooks/whatsapp", params=params)
        assert response.status_code == 403
        assert "1" not in response.text.split('"message"')[0]


async def test_a_bad_or_missing_signature_stores_nothing(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    envelope = messages_envelope(tenant, contacts=[_contact()], messages=[_text("wamid.A")])
    raw = orjson.dumps(envelope)
    missing = await client.post(
        "/webhooks/whatsapp", content=raw, headers={"Content-Type": "application/json"}
    )
    assert missing.status_code == 401
    forged = await post_signed(client, envelope, secret="not-the-app-secret")
    assert forged.status_code == 403
    tampered = await client.post(
        "/webhooks/whatsapp",
        content=raw.replace(b'"hi"', b'"ho"'),
        headers={"Content-Type": "application/json", HEADER: sign(raw, "test-app-secret")},
    )
    assert tampered.status_code == 403
    assert await Message.all().count() == 0
    assert await Customer.all().count() == 0
    assert await Event.all().count() == 0


async def test_a_change_for_an_unknown_phone_number_id_is_acknowledged_and_dropped(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    envelope = messages_envelope(tenant, contacts=[_contact()], messages=[_text("wamid.B")])
    envelope["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999999999"
    response = await post_signed(client, envelope)
    assert response.status_code == 200
    assert await Message.all().count() == 0


async def test_one_bad_entry_does_not_drop_the_rest_of_the_batch(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    good = messages_envelope(
        tenant,
        contacts=[_contact()],
        messages=[{"from": "972501234567"}, _text("wamid.C1"), "junk", _text("wamid.C2")],
        statuses=[{"no": "id"}],
    )
    broken_change = {"field": "messages", "value": {"metadata": {}}}
    good["entry"][0]["changes"].insert(0, broken_change)
    good["entry"].insert(0, {"id": "x", "changes": "not-a-list"})
    response = await post_signed(client, good)
    assert response.status_code == 200
    stored = await Message.filter(account_id=tenant.account.id).order_by("id")
    assert [m.wamid for m in stored] == ["wamid.C1", "wamid.C2"]


async def test_a_signed_body_that_is_not_json_is_acknowledged(
    client: httpx.AsyncClient,
) -> None:
    raw = b"{not json"
    response = await client.post(
        "/webhooks/whatsapp",
        content=raw,
        headers={"Content-Type": "application/json", HEADER: sign(raw, "test-app-secret")},
    )
    assert response.status_code == 200


async def test_fields_we_do_not_handle_are_acknowledged(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    envelope = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": tenant.account.waba_id,
                "changes": [{"field": "account_update", "value": {"event": "VERIFIED_ACCOUNT"}}],
            }
        ],
    }
    assert (await post_signed(client, envelope)).status_code == 200
