"""A number's capacity at the sandbox, like Meta's: its throughput level, its portfolio's
messaging limit and quality, and the webhooks that announce changes to them.

Control API (plain JSON, under /_sandbox/):
  POST capacity {phone_number_id, throughput_level?: STANDARD|HIGH|NOT_APPLICABLE,
                 messaging_limit?: TIER_250|TIER_2K|TIER_10K|TIER_100K|TIER_UNLIMITED,
                 quality_rating?: GREEN|YELLOW|RED|UNKNOWN}
       what GET /{phone-number-id}?fields=throughput,whatsapp_business_manager_messaging_limit,
       quality_rating answers from now on
  POST quality-update {phone_number_id, event (e.g. THROUGHPUT_UPGRADE), messaging_limit?}
       Meta's phone_number_quality_update webhook (THROUGHPUT_UPGRADE also sets level HIGH);
       awaits delivery
  POST capability-update {phone_number_id, max_daily_conversations_per_business (250, 2000,
       10000, 100000 or -1)}: Meta's business_capability_update webhook; awaits delivery
Shapes: developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/
phone_number_quality_update and .../business_capability_update.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from mumble.sandbox.core import SandboxCore
from mumble.sandbox.state import ChannelInfo
from mumble.whatsapp.payloads import webhook_envelope

LEVELS = ("STANDARD", "HIGH", "NOT_APPLICABLE")
TIERS = ("TIER_250", "TIER_2K", "TIER_10K", "TIER_100K", "TIER_UNLIMITED")
_LIMITS = {"TIER_250": 250, "TIER_2K": 2000, "TIER_10K": 10000, "TIER_100K": 100000}


class BadControl(Exception):
    pass


def _channel(sb: SandboxCore, body: dict[str, Any]) -> ChannelInfo:
    number = body.get("phone_number_id")
    if not number:
        raise BadControl("missing: phone_number_id")
    channel = sb.state.channels.get(str(number))
    if channel is None:
        raise BadControl(f"unknown phone_number_id {number} (POST /_sandbox/channels first)")
    return channel


def _pick(body: dict[str, Any], name: str, allowed: tuple[str, ...]) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if value not in allowed:
        raise BadControl(f"{name} must be one of: {', '.join(allowed)}")
    return str(value)


def _view(channel: ChannelInfo) -> dict[str, Any]:
    return {
        "phone_number_id": channel.phone_number_id,
        "throughput_level": channel.throughput_level,
        "messaging_limit": channel.messaging_limit,
        "quality_rating": channel.quality_rating,
    }


async def capacity(body: dict[str, Any], sb: SandboxCore) -> dict[str, Any]:
    channel = _channel(sb, body)
    channel.throughput_level = _pick(body, "throughput_level", LEVELS) or channel.throughput_level
    channel.messaging_limit = _pick(body, "messaging_limit", TIERS) or channel.messaging_limit
    rating = body.get("quality_rating")
    if rating is not None:
        channel.quality_rating = str(rating)
    return _view(channel)


async def quality_update(body: dict[str, Any], sb: SandboxCore) -> dict[str, Any]:
    channel = _channel(sb, body)
    event = body.get("event")
    if not isinstance(event, str) or not event:
        raise BadControl("missing: event")
    tier = _pick(body, "messaging_limit", TIERS) or channel.messaging_limit
    if event == "THROUGHPUT_UPGRADE":
        channel.throughput_level = "HIGH"
    channel.messaging_limit = tier
    value = {
        "display_phone_number": channel.display_phone_number,
        "event": event,
        "current_limit": tier,
        "max_daily_conversations_per_business": tier,
    }
    envelope = webhook_envelope(
        channel.waba_id or "0", "phone_number_quality_update", value, time=sb.now_ts()
    )
    return {"delivery": await sb.sender.deliver_all([envelope]), "envelope": envelope}


async def capability_update(body: dict[str, Any], sb: SandboxCore) -> dict[str, Any]:
    channel = _channel(sb, body)
    limit = body.get("max_daily_conversations_per_business")
    tiers = {**{v: k for k, v in _LIMITS.items()}, -1: "TIER_UNLIMITED"}
    if limit not in tiers:
        raise BadControl(
            "max_daily_conversations_per_business must be 250, 2000, 10000, 100000 or -1"
        )
    # The limit is the portfolio's: every number of the WABA shares it.
    for other in sb.state.channels.values():
        if other.waba_id == channel.waba_id:
            other.messaging_limit = tiers[limit]
    value = {
        "max_daily_conversation_per_phone": limit,
        "max_daily_conversations_per_business": limit,
        "max_phone_numbers_per_business": 2,
        "max_phone_numbers_per_waba": 25,
    }
    envelope = webhook_envelope(
        channel.waba_id or "0", "business_capability_update", value, time=sb.now_ts()
    )
    return {"delivery": await sb.sender.deliver_all([envelope]), "envelope": envelope}


def routes(handler: Any) -> list[Route]:
    """The control routes, wrapped by the control API's JSON handler."""
    return [
        Route("/capacity", handler(capacity), methods=["POST"]),
        Route("/quality-update", handler(quality_update), methods=["POST"]),
        Route("/capability-update", handler(capability_update), methods=["POST"]),
    ]
