"""The conversations API: get-conversation and is-active-conv."""

from __future__ import annotations

import dataclasses
from typing import Any

from mumble.clock import rfc3339
from mumble.conversations import service
from mumble.customers.changes import CUSTOMER_NOT_FOUND
from mumble.customers.recipient import Recipient
from mumble.endpoint import Call, Endpoint, api_route
from mumble.messages.params import USER_ID, recipient_of
from mumble.messages.schemas import MESSAGES
from mumble.models.customers import BSUID_MAX
from mumble.openapi.schema import boolean, integer, nullable, string, success
from mumble.params import page, phone, text

TAG = "Conversations"
# Not required when `customer_user_id` (or `customer_bsuid`) names the customer instead.
PHONE = dataclasses.replace(phone(), required=False)
PAGE = page()
BSUID = text(
    "customer_bsuid",
    max_length=BSUID_MAX,
    description="Names a user known only by a business-scoped id (no phone).",
)

GET_CONVERSATION = Endpoint(
    "GET",
    "/get-conversation",
    "conversations:read",
    "Paginated conversation history for a customer.",
    TAG,
    success(
        {
            "messages": MESSAGES,
            "total": integer(minimum=0),
            "pages": integer(minimum=0),
            "current_page": integer(minimum=1),
        },
        ("messages", "total", "pages", "current_page"),
    ),
    params=(PHONE, USER_ID, BSUID, PAGE),
    errors=(CUSTOMER_NOT_FOUND,),
    action="read conversations",
    description="Give `customer_phone`, or `customer_user_id` (also accepted as "
    "`customer_bsuid`) for a user without one.",
)


async def get_conversation(call: Call) -> dict[str, Any]:
    # A user who wrote in with a WhatsApp username has no phone: `customer_user_id` (or its
    # older name `customer_bsuid`) names them.
    bsuid = call.arg(BSUID)
    if bsuid and not call.params.get("customer_phone"):
        to = Recipient(user_id=bsuid)
    else:
        to = recipient_of(call, PHONE)
    result = await service.conversation_page(
        call.account_id, to, call.arg(PAGE), base_url=call.media_base_url
    )
    return {"success": True, **result}


IS_ACTIVE = Endpoint(
    "GET",
    "/is-active-conv",
    "conversations:read",
    "Check whether a customer's 24-hour conversation window is open.",
    TAG,
    success(
        {
            "is_active": boolean(),
            "expires_at": nullable(
                string(
                    "When the window closes, RFC 3339 UTC; null when it is closed.",
                    format="date-time",
                )
            ),
        },
        ("is_active", "expires_at"),
    ),
    params=(PHONE, USER_ID),
    errors=(CUSTOMER_NOT_FOUND,),
    action="read conversations",
    description="Give `customer_phone`, or `customer_user_id` for a user known by a BSUID.",
)


async def is_active_conv(call: Call) -> dict[str, Any]:
    to = recipient_of(call, PHONE)
    active, closes = await service.window_state(call.account_id, to, call.now())
    return {"success": True, "is_active": active, "expires_at": rfc3339(closes)}


routes = [
    api_route(GET_CONVERSATION, get_conversation),
    api_route(IS_ACTIVE, is_active_conv),
]
