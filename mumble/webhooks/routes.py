"""The webhooks API: registering, editing, testing and reading the integrator's endpoints."""

from __future__ import annotations

from typing import Any

from mumble.endpoint import Call, Endpoint, api_route
from mumble.events.outbox import EVENT_TYPES
from mumble.openapi.schema import array, link, message_only, string, success
from mumble.params import bounded_int, flag, raw_id, text, value
from mumble.webhooks import service
from mumble.webhooks.schemas import ATTEMPT, TEST_RESULT, WEBHOOK

TAG = "Webhooks"
DESCRIPTION_MAX = 500
DELIVERIES_DEFAULT = 50
DELIVERIES_MAX = 200

WEBHOOK_ID = raw_id(
    "webhook_id", "Webhook ID is required.", description="From add-webhook or get-webhooks."
)
_URL_SCHEMA = string(
    "A public http(s) URL that will receive signed events.", maxLength=service.URL_MAX
)
_EVENTS_SCHEMA = array(
    string(enum=sorted(EVENT_TYPES)),
    "Event types to deliver (form posts: comma-separated).",
    minItems=1,
)
URL = value("url", _URL_SCHEMA, required=True, messages=(service.URL_REQUIRED.message,))
EVENTS = value("events", _EVENTS_SCHEMA, required=True, messages=(service.EVENTS_REQUIRED.message,))
NEW_URL = value("url", _URL_SCHEMA)
NEW_EVENTS = value("events", _EVENTS_SCHEMA)
DESCRIPTION = text("description", max_length=DESCRIPTION_MAX, allow_empty=True)
ENABLED = flag("enabled")
LIMIT = bounded_int(
    "limit",
    default=DELIVERIES_DEFAULT,
    minimum=1,
    maximum=DELIVERIES_MAX,
    description=f"At most {DELIVERIES_MAX}, default {DELIVERIES_DEFAULT}.",
)
_NEW_ID = "$response.body#/id"

ADD = Endpoint(
    "POST",
    "/add-webhook",
    "webhooks:write",
    "Register an endpoint for event webhooks.",
    TAG,
    success(
        {
            "message": string(examples=["Webhook created successfully"]),
            "id": string(),
            "secret": string("The signing secret, shown only here."),
            "webhook": WEBHOOK,
        },
        ("message", "id", "secret", "webhook"),
    ),
    params=(URL, EVENTS, DESCRIPTION),
    errors=(*service.REFUSALS, service.TOO_MANY_WEBHOOKS),
    description="Deliveries are signed (Standard Webhooks) and retried with backoff.",
    links={
        "EditWebhook": link("edit-webhook", webhook_id=_NEW_ID),
        "TestWebhook": link("test-webhook", webhook_id=_NEW_ID),
        "GetWebhookDeliveries": link("get-webhook-deliveries", query={"webhook_id": _NEW_ID}),
        "DeleteWebhook": link("delete-webhook", query={"webhook_id": _NEW_ID}),
    },
)


async def add_webhook(call: Call) -> dict[str, Any]:
    url = await service.clean_url(call.arg(URL), allow_private=call.settings.allow_private_urls)
    events = service.clean_events(call.arg(EVENTS))
    description = call.arg(DESCRIPTION)
    endpoint = await service.create_webhook(call.account_id, url, events, description)
    return {
        "success": True,
        "message": "Webhook created successfully",
        "id": str(endpoint.id),
        # Shown only here: store it to verify signatures.
        "secret": endpoint.secret,
        "webhook": service.webhook_view(endpoint),
    }


GET_ALL = Endpoint(
    "GET",
    "/get-webhooks",
    "webhooks:read",
    "List the account's webhook endpoints.",
    TAG,
    success({"webhooks": array(WEBHOOK)}, ("webhooks",)),
)


async def get_webhooks(call: Call) -> dict[str, Any]:
    return {"success": True, "webhooks": await service.list_webhooks(call.account_id)}


EDIT = Endpoint(
    "POST",
    "/edit-webhook",
    "webhooks:write",
    "Change a webhook's URL, events, description, or enable it again.",
    TAG,
    success(
        {"message": string(examples=["Webhook updated successfully"]), "webhook": WEBHOOK},
        ("message", "webhook"),
    ),
    params=(WEBHOOK_ID, NEW_URL, NEW_EVENTS, ENABLED, DESCRIPTION),
    errors=(*service.REFUSALS, service.WEBHOOK_NOT_FOUND),
)


async def edit_webhook(call: Call) -> dict[str, Any]:
    webhook_id = call.arg(WEBHOOK_ID)
    url = events = None
    raw_url, raw_events = call.arg(NEW_URL), call.arg(NEW_EVENTS)
    if raw_url is not None:
        url = await service.clean_url(raw_url, allow_private=call.settings.allow_private_urls)
    if raw_events is not None:
        events = service.clean_events(raw_events)
    endpoint = await service.update_webhook(
        call.account_id,
        webhook_id,
        url=url,
        events=events,
        enabled=call.arg(ENABLED),
        description=call.arg(DESCRIPTION),
        now=call.now(),
    )
    return {
        "success": True,
        "message": "Webhook updated successfully",
        "webhook": service.webhook_view(endpoint),
    }


DELETE = Endpoint(
    "DELETE",
    "/delete-webhook",
    "webhooks:write",
    "Delete a webhook endpoint and its pending deliveries.",
    TAG,
    message_only("Webhook deleted successfully"),
    params=(WEBHOOK_ID,),
    errors=(service.WEBHOOK_NOT_FOUND,),
)


async def delete_webhook(call: Call) -> dict[str, Any]:
    await service.delete_webhook(call.account_id, call.arg(WEBHOOK_ID))
    return {"success": True, "message": "Webhook deleted successfully"}


TEST = Endpoint(
    "POST",
    "/test-webhook",
    "webhooks:write",
    "Send a signed sample event to the endpoint now and report its answer.",
    TAG,
    success(TEST_RESULT, ("delivered", "event_id")),
    params=(WEBHOOK_ID,),
    errors=(service.WEBHOOK_NOT_FOUND,),
)


async def test_webhook(call: Call) -> dict[str, Any]:
    result = await service.test_webhook(
        call.account_id,
        call.arg(WEBHOOK_ID),
        session=call.services.http,
        timeout_seconds=call.settings.webhook_timeout_seconds,
        allow_private=call.settings.allow_private_urls,
        now=call.now(),
    )
    return {"success": True, **result}


DELIVERIES = Endpoint(
    "GET",
    "/get-webhook-deliveries",
    "webhooks:read",
    "The endpoint's latest delivery attempts, newest first.",
    TAG,
    success({"deliveries": array(ATTEMPT)}, ("deliveries",)),
    params=(WEBHOOK_ID, LIMIT),
    errors=(service.WEBHOOK_NOT_FOUND,),
)


async def get_webhook_deliveries(call: Call) -> dict[str, Any]:
    webhook_id = call.arg(WEBHOOK_ID)
    attempts = await service.recent_attempts(call.account_id, webhook_id, call.arg(LIMIT))
    return {"success": True, "deliveries": attempts}


routes = [
    api_route(ADD, add_webhook),
    api_route(GET_ALL, get_webhooks),
    api_route(EDIT, edit_webhook),
    api_route(DELETE, delete_webhook),
    api_route(TEST, test_webhook),
    api_route(DELIVERIES, get_webhook_deliveries),
]
