"""GET /{phone-number-id} and GET /{waba-id} with `fields`: what the sandbox knows of a number.

Throughput: developers.facebook.com/documentation/business-messaging/whatsapp/throughput
(`{"throughput": {"level": "STANDARD"}}`, 80 messages/s; HIGH after an upgrade, 1,000/s);
the portfolio's messaging limit: .../messaging-limits (`"whatsapp_business_manager_messaging_
limit": "TIER_2K"`).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mumble.sandbox.http import sandbox_of


def info(request: Request, node_id: str) -> Response | None:
    """The channel's fields when `node_id` is a registered phone number id, else None."""
    channel = sandbox_of(request).state.channels.get(node_id)
    if channel is None:
        return None
    body = {
        "id": channel.phone_number_id,
        "display_phone_number": channel.display_phone_number,
        "throughput": {"level": channel.throughput_level},
        "whatsapp_business_manager_messaging_limit": channel.messaging_limit,
        "quality_rating": channel.quality_rating,
    }
    fields = [f for f in str(request.query_params.get("fields") or "").split(",") if f]
    if fields:
        body = {k: v for k, v in body.items() if k in fields or k == "id"}
    return JSONResponse(body)
