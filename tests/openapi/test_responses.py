"""Real answers of every domain, success and error, match what /openapi.json declares."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mumble.accounts import service as accounts
from mumble.bots import service as bots
from mumble.team import service as team
from tests.conftest import TEST_VERIFY_TOKEN, SandboxHandle, Tenant
from tests.messages.support import PHONE, customer_writes
from tests.openapi.documented import assert_documented
from tests.templates.support import approved_template


@pytest.fixture
async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    return (await client.get("/openapi.json")).json()  # type: ignore[no-any-return]


async def _check(
    document: dict[str, Any],
    client: httpx.AsyncClient,
    method: str,
    path: str,
    *,
    expect: int,
    **kwargs: Any,
) -> httpx.Response:
    documented_as = kwargs.pop("documented_as", path)
    response = await client.request(method, path, **kwargs)
    assert response.status_code == expect, response.text
    assert_documented(document, method, documented_as, response)
    return response


async def test_customer_answers_match_the_document(
    client: httpx.AsyncClient, tenant: Tenant, document: dict[str, Any]
) -> None:
    h = tenant.headers
    body = {"customer_phone": PHONE, "name": "John", "utm_source": "google", "tier": "gold"}
    await _check(
        document, client, "POST", "/mumbleapi/add-new-customer", expect=200, json=body, headers=h
    )
    await _check(
        document, client, "POST", "/mumbleapi/add-new-customer", expect=409, json=body, headers=h
    )
    await _check(
        document,
        client,
        "POST",
        "/mumbleapi/edit-customer",
        expect=200,
        data={"customer_phone": PHONE, "plan": "pro"},
        headers=h,
    )
    await _check(
        document,
        client,
        "GET",
        "/mumbleapi/get-customer",
        expect=200,
        params={"customer_phone": PHONE},
        headers=h,
    )
    await _check(
        document,
        client,
        "GET",
        "/mumbleapi/get-customer",
        expect=404,
        params={"customer_phone": "15550001111"},
        headers=h,
    )
    await _check(document, client, "GET", "/mumbleapi/get-customer", expect=400, headers=h)
    await _check(
        document,
        client,
        "GET",
        "/mumbleapi/get-all-customers",
        expect=200,
        params={"page": 1},
        headers=h,
    )
    await _check(
        document,
        client,
        "POST",
        "/mumbleapi/edit-customer-conv-status",
        expect=400,
        json={"customer_phone": PHONE, "status": "nope"},
        headers=h,
    )
    await _check(
        document,
        client,
        "POST",
        "/mumbleapi/assign-customer-to-agent",
        expect=404,
        json={"customer_phone": PHONE, "agent_id": "x"},
        headers=h,
    )
    await _check(
        document,
        client,
        "DELETE",
        "/mumbleapi/delete-customer",
        expect=200,
        params={"customer_phone": PHONE},
        headers=h,
    )


async def test_label_answers_match_the_document(
    client: httpx.AsyncClient, tenant: Tenant, document: dict[str, Any]
) -> None:
    h = tenant.headers
    label = {"label_name": "VIP"}
    await _check(
        document, client, "POST", "/mumbleapi/add-new-label", expect=200, json=label, headers=h
    )
    await _check(
        document, client, "POST", "/mumbleapi/add-new-label", expect=409, json=label, headers=h
    )
    await _check(document, client, "GET", "/mumbleapi/get-labels", expect=200, headers=h)
    await _check(
        document,
        client,
        "POST",
        "/mumbleapi/add-customer-to-label",
        expect=404,
        json={"customer_phone": PHONE, **label},
        headers=h,
    )
    await _check(
        document, client, "DELETE", "/mumbleapi/delete-label", expect=200, params=label, headers=h
    )


async def test_team_and_bot_answers_match_the_document(
    client: httpx.AsyncClient, tenant: Tenant, document: dict[str, Any]
) -> None:
    h = tenant.headers
    agent = await team.create_agent(tenant.account.id, "Dana")
    await team.create_team(tenant.account.id, "Support", [str(agent.id)])
    await bots.create_bot(tenant.account.id, "Flow")
    await _check(document, client, "GET", "/mumbleapi/get-agents", expect=200, headers=h)
    await _check(document, client, "GET", "/mumbleapi/get-teams", expect=200, headers=h)
    await _check(document, client, "GET", "/mumbleapi/get-bots", expect=200, headers=h)
    await _check(
        document,
        client,
        "POST",
        "/mumbleapi/assign-bot",
        expect=404,
        json={"customer_phone": PHONE, "bot_token": "AI"},
        headers=h,
    )


async def test_messaging_answers_match_the_document(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, document: dict[str, Any]
) -> None:
    h = tenant.headers
    await customer_writes(sandbox, tenant)
    sent = await _check(
        document,
        client,
        "POST",
        "/mumbleapi/send-text-message",
        expect=200,
        json={"customer_phone": PHONE, "text": "Hello"},
        headers={**h, "Idempotency-Key": "k1"},
    )
    replay = await _check(
        document,
        client,
        "POST",
        "/mumbleapi/send-text-message",
        expect=200,
        json={"customer_phone": PHONE, "text": "Hello"},
        headers={**h, "Idempotency-Key": "k1"},
    )
    assert replay.headers["Idempotent-Replayed"] == "true"
    await _check(
        document,
        client,
        "POST",
        "/mumbleapi/send-text-message",
        expect=409,
        json={"customer_phone": PHONE, "text": "Other"},
        headers={**h, "Idempotency-Key": "k1"},
    )
    wamid = sent.json()["message_wa_id"]
    await _check(
        document,
        client,
        "GET",
        "/mumbleapi/get-message",
        expect=200,
        params={"message_wa_id": wamid},
        headers=h,
    )
    await _check(
        document,
        client,
        "GET",
        "/mumbleapi/get-conversation",
        expect=200,
        params={"customer_phone": PHONE},
        headers=h,
    )
    await _check(
        document,
        client,
        "GET",
        "/mumbleapi/is-active-conv",
        expect=200,
        params={"customer_phone": PHONE},
        headers=h,
    )
    upload = {"file": ("note.txt", b"hello there", "text/plain")}
    media = await _check(
        document,
        client,
        "POST",
        "/mumbleapi/send-media-message",
        expect=200,
        data={"customer_phone": PHONE},
        files=upload,
        headers=h,
    )
    await _check(
        document,
        client,
        "GET",
        f"/mumbleapi/media/{media.json()['id']}",
        expect=200,
        headers=h,
        documented_as="/mumbleapi/media/{message_id}",
    )
    await _check(
        document,
        client,
        "GET",
        "/mumbleapi/media/999999",
        expect=404,
        headers=h,
        documented_as="/mumbleapi/media/{message_id}",
    )
    await _check(
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
    await _check(document, client, "GET", "/mumbleapi/get-templates", expect=200, headers=h)
    spec = {"name": "welcome", "language": "en_US", "category": "MARKETING", "body": "Hi"}
    await _check(
        document, client, "POST", "/mumbleapi/create-template", expect=200, json=spec, headers=h
    )
    await _check(
        document, client, "POST", "/mumbleapi/create-template", expect=409, json=spec, headers=h
    )
    send = {"customer_phone": PHONE, "template_id": template["id"], "variable": ["#7"]}
    await _check(
        document,
        client,
        "POST",
        "/mumbleapi/send-template-text-variable",
        expect=200,
        json=send,
        headers=h,
    )
    await _check(
        document,
        client,
        "POST",
        "/mumbleapi/send-template",
        expect=400,
        json={"customer_phone": PHONE, "template_id": template["id"]},
        headers=h,
    )


async def test_webhook_answers_match_the_document(
    client: httpx.AsyncClient, server: str, tenant: Tenant, document: dict[str, Any]
) -> None:
    h = tenant.headers
    added = await _check(
        document,
        client,
        "POST",
        "/mumbleapi/add-webhook",
        expect=200,
        json={"url": server + "/healthz", "events": ["customer.created"]},
        headers=h,
    )
    webhook_id = added.json()["id"]
    await _check(document, client, "GET", "/mumbleapi/get-webhooks", expect=200, headers=h)
    await _check(
        document,
        client,
        "POST",
        "/mumbleapi/edit-webhook",
        expect=200,
        data={"webhook_id": webhook_id, "events": "customer.created,customer.deleted"},
        headers=h,
    )
    await _check(
        document,
        client,
        "POST",
        "/mumbleapi/test-webhook",
        expect=200,
        json={"webhook_id": webhook_id},
        headers=h,
    )
    await _check(
        document,
        client,
        "GET",
        "/mumbleapi/get-webhook-deliveries",
        expect=200,
        params={"webhook_id": webhook_id},
        headers=h,
    )
    await _check(
        document,
        client,
        "DELETE",
        "/mumbleapi/delete-webhook",
        expect=404,
        params={"webhook_id": "nope"},
        headers=h,
    )


async def test_guard_answers_match_the_document(
    client: httpx.AsyncClient, tenant: Tenant, document: dict[str, Any]
) -> None:
    await _check(document, client, "GET", "/mumbleapi/get-labels", expect=401)
    await _check(
        document,
        client,
        "GET",
        "/mumbleapi/get-labels",
        expect=401,
        headers={"Mumble-Api-Key": "wrong"},
    )
    _, slow = await accounts.create_key(tenant.account.id, rate_limit="1/minute")
    await _check(
        document,
        client,
        "GET",
        "/mumbleapi/get-labels",
        expect=200,
        headers={"Mumble-Api-Key": slow},
    )
    limited = await _check(
        document,
        client,
        "GET",
        "/mumbleapi/get-labels",
        expect=429,
        headers={"Mumble-Api-Key": slow},
    )
    assert int(limited.headers["Retry-After"]) >= 1
    await _check(
        document,
        client,
        "POST",
        "/mumbleapi/add-new-label",
        expect=400,
        content=b"{not json",
        headers={**tenant.headers, "Content-Type": "application/json"},
    )
    await _check(
        document,
        client,
        "POST",
        "/mumbleapi/add-new-label",
        expect=415,
        content=b"x",
        headers={**tenant.headers, "Content-Type": "text/plain"},
    )


async def test_unauthenticated_routes_match_the_document(
    client: httpx.AsyncClient, document: dict[str, Any]
) -> None:
    handshake = {
        "hub.mode": "subscribe",
        "hub.verify_token": TEST_VERIFY_TOKEN,
        "hub.challenge": "42",
    }
    await _check(document, client, "GET", "/webhooks/whatsapp", expect=200, params=handshake)
    await _check(
        document, client, "GET", "/webhooks/whatsapp", expect=403, params={"hub.mode": "subscribe"}
    )
    await _check(document, client, "POST", "/webhooks/whatsapp", expect=401, json={"object": "x"})
    await _check(document, client, "GET", "/healthz", expect=200)
    await _check(document, client, "GET", "/readyz", expect=200)
    await _check(document, client, "GET", "/metrics", expect=200)
