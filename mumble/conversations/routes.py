"""HTTP routes of the conversations API: get-conversation, is-active-conv."""

from __future__ import annotations

from typing import Any

from mumble.conversations import service
from mumble.endpoint import Call, api_route
from mumble.messages.routes import base_url
from mumble.params import optional_str, page_number, required_phone


async def get_conversation(call: Call) -> dict[str, Any]:
    # A user who wrote in with a WhatsApp username has no phone: `customer_bsuid` names them.
    bsuid = optional_str(call.params, "customer_bsuid", max_length=160, allow_empty=False)
    phone = None if bsuid and not call.params.get("customer_phone") else required_phone(call.params)
    page = page_number(call.params)
    result = await service.conversation_page(
        call.principal.account_id, phone, page, base_url=base_url(call), bsuid=bsuid
    )
    return {"success": True, **result}


async def is_active_conv(call: Call) -> dict[str, Any]:
    phone = required_phone(call.params)
    now = call.request.app.state.clock.now()
    return {
        "success": True,
        "is_active": await service.is_active(call.principal.account_id, phone, now),
    }


routes = [
    api_route(
        "/get-conversation",
        get_conversation,
        methods=["GET"],
        permission="conversations:read",
        action="read conversations",
    ),
    api_route(
        "/is-active-conv",
        is_active_conv,
        methods=["GET"],
        permission="conversations:read",
        action="read conversations",
    ),
]
