"""The webhook object and delivery attempt as the API shows them."""

from __future__ import annotations

from mumble.openapi.schema import array, boolean, integer, nullable, obj, string

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
ATTEMPT = obj(
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
TEST_RESULT = {
    "delivered": boolean(),
    "event_id": string(),
    "status_code": nullable(integer()),
    "latency_ms": nullable(integer()),
    "error": nullable(string()),
}
