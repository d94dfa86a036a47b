"""A channel's pace as Meta reports it: read from the Graph API and from its webhooks, kept on
the account row, and turned into the pacer's `Outbound` for each send.

Meta's sources: `GET /{phone-number-id}?fields=throughput,whatsapp_business_manager_messaging_
limit,quality_rating` (developers.facebook.com/documentation/business-messaging/whatsapp/
throughput and .../messaging-limits); the `phone_number_quality_update` webhook (`event`:
THROUGHPUT_UPGRADE raises the number to 1,000/s; `max_daily_conversations_per_business` is the
portfolio's tier) and `business_capability_update` (`max_daily_conversations_per_business`, a
number, -1 unlimited). Both webhooks name the WABA (`entry.id`), the first also the display
phone number.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from mumble.accounts.service import get_account
from mumble.errors import BadRequest
from mumble.models import Account, Message
from mumble.pacing.pacer import Outbound, Pacer
from mumble.pacing.rules import (
    BACKOFF,
    DEFAULT_MPS,
    MARKETING_LIMITED_CODE,
    throughput_mps,
    tier_limit,
    tier_of,
)
from mumble.whatsapp.client import Channel, GraphClient

log = logging.getLogger("mumble.pacing")

# Meta's highest level is 1,000/s; an override above it would only collect 130429s.
MAX_MPS = 1000
GRAPH_FIELDS = "throughput,whatsapp_business_manager_messaging_limit,quality_rating"
THROUGHPUT_UPGRADE = "THROUGHPUT_UPGRADE"
_PACE_COLUMNS = (
    "throughput_level",
    "messaging_limit_tier",
    "quality_rating",
    "quality_event",
    "quality_updated_at",
)


def mps_of(account: Account, default: int = DEFAULT_MPS) -> int:
    """The account's number's messages per second (override, coexistence, level, default)."""
    return throughput_mps(
        override=account.throughput_mps,
        level=account.throughput_level,
        coexistence=account.coexistence,
        default=default,
    )


def outbound(
    account: Account,
    user: str,
    *,
    outside_window: bool,
    marketing: bool = False,
    burst: bool = True,
    default_mps: int = DEFAULT_MPS,
    cap: tuple[str, float] | None = None,
) -> Outbound:
    """The pacer's view of a send from `account`'s number to `user`."""
    number = account.phone_number_id or str(account.id)
    return Outbound(
        number=number,
        user=user,
        mps=mps_of(account, default_mps),
        portfolio=account.waba_id or number,
        messaging_limit=tier_limit(account.messaging_limit_tier),
        outside_window=outside_window,
        marketing=marketing,
        burst=burst,
        cap=cap,
    )


def pace_view(account: Account, default_mps: int = DEFAULT_MPS) -> dict[str, Any]:
    """What an admin sees of an account's pace."""
    return {
        "throughput_mps": mps_of(account, default_mps),
        "throughput_override": account.throughput_mps,
        "coexistence": account.coexistence,
        "throughput_level": account.throughput_level,
        "messaging_limit_tier": account.messaging_limit_tier,
        "messaging_limit": tier_limit(account.messaging_limit_tier),
        "quality_rating": account.quality_rating,
        "quality_event": account.quality_event,
    }


async def set_pace(
    account_id: uuid.UUID | str, *, mps: int | None, coexistence: bool | None
) -> Account:
    """An admin's throughput for the number (None: back to its level); 400 below 1."""
    if mps is not None and not 1 <= mps <= MAX_MPS:
        raise BadRequest(f"throughput must be 1 to {MAX_MPS} messages per second")
    account = await get_account(account_id)
    account.throughput_mps = mps
    if coexistence is not None:
        account.coexistence = coexistence
    await account.save(update_fields=["throughput_mps", "coexistence"])
    return account


async def refresh_from_graph(graph: GraphClient, account: Account, now: dt.datetime) -> Account:
    """Read the number's throughput level, messaging limit and quality from the Graph API."""
    if not account.phone_number_id or not account.access_token:
        raise BadRequest("WhatsApp channel is not configured for this account")
    channel = Channel(account.phone_number_id, account.waba_id or "", account.access_token)
    body = await graph.phone_number_fields(channel, GRAPH_FIELDS)
    throughput = body.get("throughput")
    level = throughput.get("level") if isinstance(throughput, dict) else None
    if isinstance(level, str) and level:
        account.throughput_level = level.upper()[:32]
    tier = tier_of(body.get("whatsapp_business_manager_messaging_limit"))
    if tier is not None:
        account.messaging_limit_tier = tier
    rating = body.get("quality_rating")
    if isinstance(rating, str) and rating:
        account.quality_rating = rating.upper()[:32]
    account.quality_updated_at = now
    await account.save(update_fields=list(_PACE_COLUMNS))
    return account


def _digits(raw: object) -> str:
    return "".join(ch for ch in str(raw or "") if ch.isdigit())


async def on_quality_update(waba_id: str, value: dict[str, Any], now: dt.datetime) -> int:
    """phone_number_quality_update: the number's event (THROUGHPUT_UPGRADE: level HIGH), the
    portfolio's tier, the quality rating when given. Returns how many accounts changed."""
    if not isinstance(value, dict):
        raise ValueError("quality update without a value object")
    event = value.get("event")
    event = event.upper()[:64] if isinstance(event, str) and event else None
    tier = tier_of(value.get("max_daily_conversations_per_business"))
    if tier is None and event != THROUGHPUT_UPGRADE:
        tier = tier_of(value.get("current_limit"))
    rating = value.get("quality_rating") or value.get("current_quality_rating")
    accounts = await Account.filter(waba_id=waba_id) if waba_id else []
    phone = _digits(value.get("display_phone_number"))
    matching = [a for a in accounts if phone and _digits(a.display_phone) == phone]
    if not matching and len(accounts) == 1:
        matching = accounts
    for account in matching:
        if event == THROUGHPUT_UPGRADE:
            account.throughput_level = "HIGH"
        if event is not None:
            account.quality_event = event
        if tier is not None:
            account.messaging_limit_tier = tier
        if isinstance(rating, str) and rating:
            account.quality_rating = rating.upper()[:32]
        account.quality_updated_at = now
        await account.save(update_fields=list(_PACE_COLUMNS))
    for account in accounts:
        if tier is not None and account not in matching:
            # The tier is the portfolio's: every number of the WABA shares it.
            await Account.filter(id=account.id).update(messaging_limit_tier=tier)
    if not matching:
        log.info("phone_number_quality_update for no account of WABA %s", waba_id or "-")
    return len(matching)


async def on_capability_update(waba_id: str, value: dict[str, Any], now: dt.datetime) -> int:
    """business_capability_update: the portfolio's messaging limit for every account of the
    WABA. Returns how many accounts changed."""
    if not isinstance(value, dict):
        raise ValueError("capability update without a value object")
    tier = tier_of(value.get("max_daily_conversations_per_business"))
    if tier is None:
        tier = tier_of(value.get("max_daily_conversation_per_phone"))
    if tier is None or not waba_id:
        return 0
    return await Account.filter(waba_id=waba_id).update(
        messaging_limit_tier=tier, quality_updated_at=now
    )


async def on_failed_status(
    pacer: Pacer, account: Account, wamid: str, code: int, now: dt.datetime
) -> float | None:
    """A `failed` status webhook with one of Meta's back-pressure codes (131049 arrives this
    way, after the send's 200): the pacer holds that number or user as after a refused send."""
    if code not in BACKOFF and code != MARKETING_LIMITED_CODE:
        return None
    message = await Message.filter(account_id=account.id, wamid=wamid).only("customer_id").first()
    if message is None:
        return None
    customer_id = message.customer_id  # type: ignore[attr-defined]
    send = outbound(account, str(customer_id), outside_window=False)
    return await pacer.slow_down(send, code, now)
