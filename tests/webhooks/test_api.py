"""The webhook endpoints: registering, listing, editing, deleting, validation, isolation."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import httpx
import pytest

from mumble.events.outbox import EVENT_TYPES
from mumble.models import WebhookDelivery, WebhookEndpoint
from tests.access import key_with_permissions
from tests.clock import FrozenClock
from tests.conftest import Tenant
from tests.webhooks.conftest import add_webhook

HOOK = "http://127.0.0.1:9/hook"


async def test_add_webhook_returns_id_and_secret_once(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    body = await add_webhook(
        client,
        tenant.headers,
        HOOK,
        ["customer.created", "message.received", "customer.created"],
        description="CRM sync",
    )
    assert body["success"] is True
    assert body["message"] == "Webhook created successfully"
    secret = body["secret"]
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 24
    assert body["webhook"] == {
        "id": body["id"],
        "url": HOOK,
        "events": ["customer.created", "message.received"],
        "description": "CRM sync",
        "enabled": True,
        "disabled_reason": None,
        "disabled_at": None,
        "consecutive_failures": 0,
        "created_at": body["webhook"]["created_at"],
    }
    stored = await WebhookEndpoint.get(id=body["id"])
    assert (stored.account_id, stored.secret) == (tenant.account.id, secret)  # type: ignore[attr-defined]  # FK column

    listed = await client.get("/mumbleapi/get-webhooks", headers=tenant.headers)
    assert listed.status_code == 200
    assert listed.json() == {"success": True, "webhooks": [body["webhook"]]}
    assert secret not in listed.text


async def test_events_may_be_sent_as_comma_separated_form_text(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.post(
        "/mumbleapi/add-webhook",
        headers=tenant.headers,
        data={"url": HOOK, "events": "message.sent, message.read"},
    )
    assert response.status_code == 200
    assert response.json()["webhook"]["events"] == ["message.sent", "message.read"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"events": ["customer.created"]}, "URL is required."),
        ({"url": "  ", "events": ["customer.created"]}, "URL is required."),
        ({"url": 5, "events": ["customer.created"]}, "'url' must be a string"),
        (
            {"url": "ftp://example.com/x", "events": ["customer.created"]},
            "Invalid webhook URL: URL must start with http:// or https://",
        ),
        (
            {"url": "example.com/hook", "events": ["customer.created"]},
            "Invalid webhook URL: URL must start with http:// or https://",
        ),
        ({"url": HOOK}, "Events are required."),
        ({"url": HOOK, "events": []}, "Events are required."),
        ({"url": HOOK, "events": {"a": 1}}, "'events' must be a list of event types"),
        ({"url": HOOK, "events": [1, 2]}, "'events' must be a list of event types"),
        (
            {"url": HOOK, "events": ["customer.created", "order.paid", "bogus"]},
            "Unknown event type: bogus, order.paid",
        ),
        (
            {"url": HOOK, "events": ["message.sent"], "description": "x" * 501},
            "'description' is too long (at most 500 characters)",
        ),
    ],
)
async def test_add_webhook_refuses_bad_input_with_a_clear_400(
    client: httpx.AsyncClient, tenant: Tenant, body: dict[str, Any], message: str
) -> None:
    response = await client.post("/mumbleapi/add-webhook", headers=tenant.headers, json=body)
    assert response.status_code == 400
    assert response.json()["error"] is True
    assert response.json()["message"] == message
    assert await WebhookEndpoint.all().count() == 0


async def test_unknown_event_type_lists_the_known_ones(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.post(
        "/mumbleapi/add-webhook", headers=tenant.headers, json={"url": HOOK, "events": ["x"]}
    )
    assert response.json()["details"] == [f"Known event types: {', '.join(sorted(EVENT_TYPES))}"]


async def test_edit_webhook_changes_url_events_and_enabled(
    client: httpx.AsyncClient, tenant: Tenant, clock: FrozenClock
) -> None:
    created = await add_webhook(client, tenant.headers, HOOK, ["customer.created"])
    response = await client.post(
        "/mumbleapi/edit-webhook",
        headers=tenant.headers,
        json={
            "webhook_id": created["id"],
            "url": "http://127.0.0.1:10/new",
            "events": ["message.read"],
            "enabled": False,
        },
    )
    assert response.status_code == 200
    webhook = response.json()["webhook"]
    assert response.json()["message"] == "Webhook updated successfully"
    assert (webhook["url"], webhook["events"], webhook["enabled"]) == (
        "http://127.0.0.1:10/new",
        ["message.read"],
        False,
    )
    assert webhook["disabled_reason"] == "Disabled by the account"
    # When it was disabled, as for a webhook disabled after its failures.
    assert webhook["disabled_at"] is not None
    assert dt.datetime.fromisoformat(webhook["disabled_at"]) == clock.now()

    again = await client.post(
        "/mumbleapi/edit-webhook",
        headers=tenant.headers,
        json={"webhook_id": created["id"], "enabled": "true"},
    )
    assert again.json()["webhook"]["enabled"] is True
    assert again.json()["webhook"]["disabled_reason"] is None
    assert again.json()["webhook"]["disabled_at"] is None
    # The secret never changes on edit.
    assert (await WebhookEndpoint.get(id=created["id"])).secret == created["secret"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"enabled": "maybe"}, "'enabled' must be true or false"),
        ({"events": ["nope"]}, "Unknown event type: nope"),
        ({"url": "gopher://x"}, "Invalid webhook URL: URL must start with http:// or https://"),
    ],
)
async def test_edit_webhook_refuses_bad_input(
    client: httpx.AsyncClient, tenant: Tenant, body: dict[str, Any], message: str
) -> None:
    created = await add_webhook(client, tenant.headers, HOOK, ["customer.created"])
    response = await client.post(
        "/mumbleapi/edit-webhook",
        headers=tenant.headers,
        json={"webhook_id": created["id"], **body},
    )
    assert response.status_code == 400
    assert response.json()["message"] == message
    stored = await WebhookEndpoint.get(id=created["id"])
    assert (stored.url, stored.events, stored.enabled) == (HOOK, ["customer.created"], True)


async def test_delete_webhook_removes_it_with_its_queue(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    created = await add_webhook(client, tenant.headers, HOOK, ["customer.created"])
    added = await client.post(
        "/mumbleapi/add-new-customer", headers=tenant.headers, json={"customer_phone": "9725011"}
    )
    assert added.status_code == 200
    assert await WebhookDelivery.filter(endpoint_id=created["id"]).count() == 1
    response = await client.request(
        "DELETE",
        "/mumbleapi/delete-webhook",
        headers=tenant.headers,
        json={"webhook_id": created["id"]},
    )
    assert response.status_code == 200
    assert response.json() == {"success": True, "message": "Webhook deleted successfully"}
    assert not await WebhookEndpoint.exists(id=created["id"])
    assert await WebhookDelivery.all().count() == 0
    gone = await client.request(
        "DELETE",
        "/mumbleapi/delete-webhook",
        headers=tenant.headers,
        params={"webhook_id": created["id"]},
    )
    assert gone.status_code == 404
    assert gone.json()["message"] == "Webhook not found"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/mumbleapi/edit-webhook"),
        ("DELETE", "/mumbleapi/delete-webhook"),
        ("POST", "/mumbleapi/test-webhook"),
        ("GET", "/mumbleapi/get-webhook-deliveries"),
    ],
)
async def test_webhook_id_is_required_and_unknown_or_malformed_ids_are_404(
    client: httpx.AsyncClient, tenant: Tenant, method: str, path: str
) -> None:
    missing = await client.request(method, path, headers=tenant.headers)
    assert missing.status_code == 400
    assert missing.json()["message"] == "Webhook ID is required."
    for raw in ("not-a-uuid", "00000000-0000-0000-0000-000000000000", "1; DROP TABLE x"):
        response = await client.request(
            method, path, headers=tenant.headers, params={"webhook_id": raw}
        )
        assert response.status_code == 404, raw
        assert response.json() == {"error": True, "message": "Webhook not found"}


async def test_another_accounts_key_sees_and_changes_none_of_these_webhooks(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    created = await add_webhook(client, tenant.headers, HOOK, ["customer.created"])
    hook_id = {"webhook_id": created["id"]}
    listed = await client.get("/mumbleapi/get-webhooks", headers=other_tenant.headers)
    assert listed.json() == {"success": True, "webhooks": []}
    attempts = [
        await client.post(
            "/mumbleapi/edit-webhook", headers=other_tenant.headers, json={**hook_id, "url": HOOK}
        ),
        await client.post("/mumbleapi/test-webhook", headers=other_tenant.headers, json=hook_id),
        await client.get(
            "/mumbleapi/get-webhook-deliveries", headers=other_tenant.headers, params=hook_id
        ),
        await client.request(
            "DELETE", "/mumbleapi/delete-webhook", headers=other_tenant.headers, json=hook_id
        ),
    ]
    for response in attempts:
        assert response.status_code == 404
        assert response.json()["message"] == "Webhook not found"
    assert await WebhookEndpoint.exists(id=created["id"])


async def test_webhook_endpoints_require_a_valid_key(client: httpx.AsyncClient) -> None:
    response = await client.get("/mumbleapi/get-webhooks", headers={"Mumble-Api-Key": "nope"})
    assert response.status_code == 401
    assert response.json()["error"] is True


@pytest.mark.parametrize(
    ("method", "path", "needed", "message"),
    [
        ("POST", "add-webhook", "webhooks:write", "User not authorized to manage webhooks."),
        ("POST", "edit-webhook", "webhooks:write", "User not authorized to manage webhooks."),
        ("DELETE", "delete-webhook", "webhooks:write", "User not authorized to manage webhooks."),
        ("POST", "test-webhook", "webhooks:write", "User not authorized to manage webhooks."),
        ("GET", "get-webhooks", "webhooks:read", "User not authorized to read webhooks."),
        (
            "GET",
            "get-webhook-deliveries",
            "webhooks:read",
            "User not authorized to read webhooks.",
        ),
    ],
)
async def test_each_endpoint_needs_its_webhooks_permission(
    client: httpx.AsyncClient, tenant: Tenant, method: str, path: str, needed: str, message: str
) -> None:
    other = "webhooks:read" if needed == "webhooks:write" else "webhooks:write"
    denied = await key_with_permissions(tenant.account, "no-" + needed.replace(":", "-"), [other])
    response = await client.request(method, f"/mumbleapi/{path}", headers=denied)
    assert response.status_code == 401
    assert response.json() == {"error": True, "message": message}
    granted = await key_with_permissions(
        tenant.account, "only-" + needed.replace(":", "-"), [needed]
    )
    response = await client.request(method, f"/mumbleapi/{path}", headers=granted)
    assert response.status_code != 401
