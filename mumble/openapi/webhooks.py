"""OpenAPI descriptions of the event-webhook endpoints (Mumble -> the integrator)."""

from __future__ import annotations

from mumble.events.outbox import EVENT_TYPES
from mumble.openapi.spec import (
    Op,
    Schema,
    array,
    boolean,
    integer,
    link,
    message_only,
    nullable,
    obj,
    string,
    success,
)

_EVENTS = array(
    string(enum=sorted(EVENT_TYPES)),
    "Event types to deliver (form posts: comma-separated).",
    minItems=1,
)
_WEBHOOK_ID = string("From add-webhook or get-webhooks.")
_DESCRIPTION = string(maxLength=500)
WEBHOOK = obj(
    {
        "id": string(),
        "url": string(),
        "events": array(string()),
        "description": nullable(string()),
        "enabled": boolean(),
        "disabled_reason": nullable(string()),
        "disabled_at": nullable(string()),
        "consecutive_failures": integer(minimum=0),
        "created_at": nullable(string()),
    },
    ("id", "url", "events", "enabled"),
)
_NOT_FOUND: dict[int, tuple[str, ...]] = {
    400: ("Webhook ID is required.",),
    404: ("Webhook not found",),
}
_NEW_ID = "$response.body#/id"
_URL: Schema = string("A public http(s) URL that will receive signed events.", maxLength=2048)

OPS: dict[str, Op] = {
    "/add-webhook": Op(
        "Register an endpoint for event webhooks.",
        "Webhooks",
        success(
            {
                "message": string(examples=["Webhook created successfully"]),
                "id": string(),
                "secret": string("The signing secret, shown only here."),
                "webhook": WEBHOOK,
            },
            ("message", "id", "secret", "webhook"),
        ),
        {"url": _URL, "events": _EVENTS, "description": _DESCRIPTION},
        ("url", "events"),
        {400: ("URL is required.", "Events are required.", "Invalid webhook URL: ...")},
        "Deliveries are signed (Standard Webhooks) and retried with backoff.",
        links={
            "EditWebhook": link("edit-webhook", webhook_id=_NEW_ID),
            "TestWebhook": link("test-webhook", webhook_id=_NEW_ID),
            "GetWebhookDeliveries": link("get-webhook-deliveries", query={"webhook_id": _NEW_ID}),
            "DeleteWebhook": link("delete-webhook", query={"webhook_id": _NEW_ID}),
        },
    ),
    "/get-webhooks": Op(
        "List the account's webhook endpoints.",
        "Webhooks",
        success({"webhooks": array(WEBHOOK)}, ("webhooks",)),
    ),
    "/edit-webhook": Op(
        "Change a webhook's URL, events, description, or enable it again.",
        "Webhooks",
        success(
            {"message": string(examples=["Webhook updated successfully"]), "webhook": WEBHOOK},
            ("message", "webhook"),
        ),
        {
            "webhook_id": _WEBHOOK_ID,
            "url": _URL,
            "events": _EVENTS,
            "enabled": boolean(),
            "description": _DESCRIPTION,
        },
        ("webhook_id",),
        _NOT_FOUND,
    ),
    "/delete-webhook": Op(
        "Delete a webhook endpoint and its pending deliveries.",
        "Webhooks",
        message_only("Webhook deleted successfully"),
        {"webhook_id": _WEBHOOK_ID},
        ("webhook_id",),
        _NOT_FOUND,
    ),
    "/test-webhook": Op(
        "Send a signed sample event to the endpoint now and report its answer.",
        "Webhooks",
        success(
            {
                "delivered": boolean(),
                "event_id": string(),
                "status_code": nullable(integer()),
                "latency_ms": nullable(integer()),
                "error": nullable(string()),
            },
            ("delivered", "event_id"),
        ),
        {"webhook_id": _WEBHOOK_ID},
        ("webhook_id",),
        _NOT_FOUND,
    ),
    "/get-webhook-deliveries": Op(
        "The endpoint's latest delivery attempts, newest first.",
        "Webhooks",
        success(
            {
                "deliveries": array(
                    obj(
                        {
                            "event_id": string(),
                            "event_type": string(),
                            "attempt": integer(minimum=1),
                            "attempted_at": nullable(string()),
                            "succeeded": boolean(),
                            "status_code": nullable(integer()),
                            "latency_ms": nullable(integer()),
                            "error": nullable(string()),
                            "delivery_status": string(),
                            "next_retry_at": nullable(string()),
                        },
                        ("event_id", "event_type", "attempt", "succeeded", "delivery_status"),
                    )
                )
            },
            ("deliveries",),
        ),
        {
            "webhook_id": _WEBHOOK_ID,
            "limit": integer("At most 200, default 50.", minimum=1, maximum=200),
        },
        ("webhook_id",),
        _NOT_FOUND,
    ),
}
