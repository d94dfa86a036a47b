"""Real answers of webhooks, the guard and the unauthenticated routes match the document."""

from __future__ import annotations

from typing import Any

import httpx

from mumble.accounts import service as accounts
from tests.conftest import TEST_VERIFY_TOKEN, Tenant
from tests.openapi.documented import check


async def test_webhook_answers_match_the_document(
    client: httpx.AsyncClient, server: str, tenant: Tenant, document: dict[str, Any]
) -> None:
    h = tenant.headers
    added = await check(
        document,
        client,
        "POST",
        "/mumbleapi/add-webhook",
        expect=200,
        json={"url": server + "/healthz", "events": ["customer.created"]},
        headers=h,
    )
    webhook_id = added.json()["id"]
    await check(document, client, "GET", "/mumbleapi/get-webhooks", expect=200, headers=h)
    await check(
        document,
        client,
        "POST",
        "/mumbleapi/edit-webhook",
        expect=200,
        data={"webhook_id": webhook_id, "events": "customer.created,customer.deleted"},
        headers=h,
    )
    await check(
        document,
        client,
        "POST",
        "/mumbleapi/test-webhook",
        expect=200,
        json={"webhook_id": webhook_id},
        headers=h,
    )
    await check(
        document,
        client,
        "GET",
        "/mumbleapi/get-webhook-deliveries",
        expect=200,
        params={"webhook_id": webhook_id},
        headers=h,
    )
    await check(
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
    await check(document, client, "GET", "/mumbleapi/get-labels", expect=401)
    await check(
        document,
        client,
        "GET",
        "/mumbleapi/get-labels",
        expect=401,
        headers={"Mumble-Api-Key": "wrong"},
    )
    _, slow = await accounts.create_key(tenant.account.id, rate_limit="1/minute")
    await check(
        document,
        client,
        "GET",
        "/mumbleapi/get-labels",
        expect=200,
        headers={"Mumble-Api-Key": slow},
    )
    limited = await check(
        document,
        client,
        "GET",
        "/mumbleapi/get-labels",
        expect=429,
        headers={"Mumble-Api-Key": slow},
    )
    assert int(limited.headers["Retry-After"]) >= 1
    await check(
        document,
        client,
        "POST",
        "/mumbleapi/add-new-label",
        expect=400,
        content=b"{not json",
        headers={**tenant.headers, "Content-Type": "application/json"},
    )
    await check(
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
    await check(document, client, "GET", "/webhooks/whatsapp", expect=200, params=handshake)
    await check(
        document, client, "GET", "/webhooks/whatsapp", expect=403, params={"hub.mode": "subscribe"}
    )
    await check(document, client, "POST", "/webhooks/whatsapp", expect=401, json={"object": "x"})
    await check(document, client, "GET", "/healthz", expect=200)
    await check(document, client, "GET", "/readyz", expect=200)
    await check(document, client, "GET", "/metrics", expect=200)
