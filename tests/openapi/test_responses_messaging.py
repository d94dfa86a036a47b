"""Real answers of the messaging, conversations and templates endpoints match the document."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import PHONE, customer_writes
from tests.openapi.documented import check
from tests.templates.support import approved_template


async def test_messaging_answers_match_the_document(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, document: dict[str, Any]
) -> None:
    h = tenant.headers
    await customer_writes(sandbox, tenant)
    sent = await check(
        document,
        client,
        "POST",
        "/mumbleapi/send-text-message",
        expect=200,
        json={"customer_phone": PHONE, "text": "Hello"},
        headers={**h, "Idempotency-Key": "k1"},
    )
    replay = await check(
        document,
        client,
        "POST",
        "/mumbleapi/send-text-message",
        expect=200,
        json={"customer_phone": PHONE, "text": "Hello"},
        headers={**h, "Idempotency-Key": "k1"},
    )
    assert replay.headers["Idempotent-Replayed"] == "true"
    await check(
        document,
        client,
        "POST",
        "/mumbleapi/send-text-message",
        expect=409,
        json={"customer_phone": PHONE, "text": "Other"},
        headers={**h, "Idempotency-Key": "k1"},
    )
    wamid = sent.json()["message_wa_id"]
    await check(
        document,
        client,
        "GET",
        "/mumbleapi/get-message",
        expect=200,
        params={"message_wa_id": wamid},
        headers=h,
    )
    await check(
        document,
        client,
        "GET",
        "/mumbleapi/get-conversation",
        expect=200,
        params={"customer_phone": PHONE},
        headers=h,
    )
    await check(
        document,
        client,
        "GET",
        "/mumbleapi/is-active-conv",
        expect=200,
        params={"customer_phone": PHONE},
        headers=h,
    )
    upload = {"file": ("note.txt", b"hello there", "text/plain")}
    media = await check(
        document,
        client,
        "POST",
        "/mumbleapi/send-media-message",
        expect=200,
        data={"customer_phone": PHONE},
        files=upload,
        headers=h,
    )
    await check(
        document,
        client,
        "GET",
        f"/mumbleapi/media/{media.json()['id']}",
        expect=200,
        headers=h,
        documented_as="/mumbleapi/media/{message_id}",
    )
    await check(
        document,
        client,
        "GET",
        "/mumbleapi/media/999999",
        expect=404,
        headers=h,
        documented_as="/mumbleapi/media/{message_id}",
    )
    await check(
        document,
        client,
        "POST",
        "/mumbleapi/send-media-message",
        expect=400,
        json={"customer_phone": PHONE},
        headers=h,
    )


async def test_template_answers_match_the_document(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, document: dict[str, Any]
) -> None:
    h = tenant.headers
    template = await approved_template(
        client,
        sandbox,
        tenant,
        name="order_update",
        body="Order {{1}} is here",
        body_examples=["#1"],
    )
    await check(document, client, "GET", "/mumbleapi/get-templates", expect=200, headers=h)
    spec = {"name": "welcome", "language": "en_US", "category": "MARKETING", "body": "Hi"}
    await check(
        document, client, "POST", "/mumbleapi/create-template", expect=200, json=spec, headers=h
    )
    await check(
        document, client, "POST", "/mumbleapi/create-template", expect=409, json=spec, headers=h
    )
    send = {"customer_phone": PHONE, "template_id": template["id"], "variable": ["#7"]}
    await check(
        document,
        client,
        "POST",
        "/mumbleapi/send-template-text-variable",
        expect=200,
        json=send,
        headers=h,
    )
    await check(
        document,
        client,
        "POST",
        "/mumbleapi/send-template",
        expect=400,
        json={"customer_phone": PHONE, "template_id": template["id"]},
        headers=h,
    )
