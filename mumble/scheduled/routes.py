"""The scheduled-sends API: get-scheduled-messages and cancel-scheduled-message."""

from __future__ import annotations

from typing import Any

from mumble.endpoint import Call, Endpoint, api_route
from mumble.errors import BadRequest, Refusal
from mumble.models import ScheduledStatus
from mumble.openapi.schema import array, integer, message_only, nullable, obj, string, success
from mumble.params import page, required_text, text
from mumble.scheduled import service

TAG = "Templates"
PAGE = page()
STATUSES = [status.value for status in ScheduledStatus]
STATUS = text("status", max_length=16, description="Only sends in this state.", enum=STATUSES)
INVALID_STATUS = Refusal(BadRequest, f"'status' must be one of {', '.join(STATUSES)}")
ID = required_text(
    "id", "Scheduled message id is required.", max_length=64, description="From send-template."
)
SCHEDULED = obj(
    {
        "id": string(format="uuid"),
        "customer_phone": nullable(string("Null when the send names a BSUID.")),
        "customer_user_id": nullable(string("The BSUID the send named, if any.")),
        "template_id": string(),
        "send_at": string(format="date-time"),
        "status": string(enum=STATUSES),
        "message_id": nullable(integer("The message sent (get-conversation).")),
        "error": nullable(string("Why the send failed.")),
        "created_at": string(format="date-time"),
    },
    ("id", "customer_phone", "template_id", "send_at", "status"),
)

GET_SCHEDULED = Endpoint(
    "GET",
    "/get-scheduled-messages",
    "templates:read",
    "List the template sends scheduled with `send_at`, soonest first.",
    TAG,
    success(
        {
            "scheduled_messages": array(SCHEDULED),
            "page": integer(),
            "total": integer(),
            "per_page": integer(),
        },
        ("scheduled_messages", "page", "total", "per_page"),
    ),
    params=(PAGE, STATUS),
    errors=(INVALID_STATUS,),
    description="`scheduled` until due, then `sending`, `sent` (with `message_id`) or `failed` "
    "(with `error`: a rule that no longer holds, such as an opted-out customer, or Meta's "
    "refusal); `cancelled` by cancel-scheduled-message. 50 a page.",
)


async def get_scheduled_messages(call: Call) -> dict[str, Any]:
    status = call.arg(STATUS)
    if status is not None and status not in STATUSES:
        raise INVALID_STATUS()
    return {"success": True, **await service.list_page(call.account_id, call.arg(PAGE), status)}


CANCEL = Endpoint(
    "POST",
    "/cancel-scheduled-message",
    "templates:send",
    "Cancel a scheduled template send that has not gone out yet.",
    TAG,
    message_only("Scheduled message cancelled"),
    params=(ID,),
    errors=(service.NOT_FOUND, service.NOT_CANCELLABLE),
    action="send templates",
)


async def cancel_scheduled_message(call: Call) -> dict[str, Any]:
    await service.cancel(call.account_id, call.arg(ID), call.now())
    return {"success": True, "message": "Scheduled message cancelled"}


routes = [
    api_route(GET_SCHEDULED, get_scheduled_messages),
    api_route(CANCEL, cancel_scheduled_message),
]
