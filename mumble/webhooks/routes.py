"""HTTP routes of the webhooks API."""

from __future__ import annotations

from typing import Any

from mumble.endpoint import Call, api_route
from mumble.errors import BadRequest
from mumble.params import ascii_int, optional_str
from mumble.webhooks import service

DESCRIPTION_MAX = 500
DELIVERIES_DEFAULT = 50
DELIVERIES_MAX = 200


def _webhook_id(call: Call) -> object:
    raw = call.params.get("webhook_id")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise BadRequest("Webhook ID is required.")
    return raw


def _optional_bool(params: dict[str, Any], name: str) -> bool | None:
    raw = params.get(name)
    if raw is None:
        return None
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in {"true", "1"}:
        return True
    if text in {"false", "0"}:
        return False
    raise BadRequest(f"'{name}' must be true or false")


def _limit(params: dict[str, Any]) -> int:
    raw = params.get("limit")
    if raw is None or raw == "":
        return DELIVERIES_DEFAULT
    value = None if isinstance(raw, bool) else ascii_int(str(raw).strip())
    if value is None or not 1 <= value <= DELIVERIES_MAX:
        raise BadRequest(f"'limit' must be an integer from 1 to {DELIVERIES_MAX}")
    return value


async def add_webhook(call: Call) -> dict[str, Any]:
    url = await service.clean_url(call.params.get("url"), call.settings)
    events = service.clean_events(call.params.get("events"))
    description = optional_str(call.params, "description", max_length=DESCRIPTION_MAX)
    endpoint = await service.create_webhook(call.principal.account_id, url, events, description)
    return {
        "success": True,
        "message": "Webhook created successfully",
        "id": str(endpoint.id),
        # Shown only here: store it to verify signatures.
        "secret": endpoint.secret,
        "webhook": service.webhook_view(endpoint),
    }


async def get_webhooks(call: Call) -> dict[str, Any]:
    return {"success": True, "webhooks": await service.list_webhooks(call.principal.account_id)}


async def edit_webhook(call: Call) -> dict[str, Any]:
    webhook_id = _webhook_id(call)
    url = events = None
    if call.params.get("url") is not None:
        url = await service.clean_url(call.params["url"], call.settings)
    if call.params.get("events") is not None:
        events = service.clean_events(call.params["events"])
    endpoint = await service.update_webhook(
        call.principal.account_id,
        webhook_id,
        url=url,
        events=events,
        enabled=_optional_bool(call.params, "enabled"),
        description=optional_str(call.params, "description", max_length=DESCRIPTION_MAX),
    )
    return {
        "success": True,
        "message": "Webhook updated successfully",
        "webhook": service.webhook_view(endpoint),
    }


async def delete_webhook(call: Call) -> dict[str, Any]:
    await service.delete_webhook(call.principal.account_id, _webhook_id(call))
    return {"success": True, "message": "Webhook deleted successfully"}


async def test_webhook(call: Call) -> dict[str, Any]:
    result = await service.test_webhook(
        call.principal.account_id,
        _webhook_id(call),
        session=call.request.app.state.http,
        settings=call.settings,
        now=call.request.app.state.clock.now(),
    )
    return {"success": True, **result}


async def get_webhook_deliveries(call: Call) -> dict[str, Any]:
    attempts = await service.recent_attempts(
        call.principal.account_id, _webhook_id(call), _limit(call.params)
    )
    return {"success": True, "deliveries": attempts}


routes = [
    api_route("/add-webhook", add_webhook, methods=["POST"], permission="webhooks:write"),
    api_route("/get-webhooks", get_webhooks, methods=["GET"], permission="webhooks:read"),
    api_route("/edit-webhook", edit_webhook, methods=["POST"], permission="webhooks:write"),
    api_route("/delete-webhook", delete_webhook, methods=["DELETE"], permission="webhooks:write"),
    api_route("/test-webhook", test_webhook, methods=["POST"], permission="webhooks:write"),
    api_route(
        "/get-webhook-deliveries",
        get_webhook_deliveries,
        methods=["GET"],
        permission="webhooks:read",
    ),
]
