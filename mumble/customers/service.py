"""Customers: the rules and queries behind the customer endpoints, and the find/ensure contract.

What other domains call: `ensure_customer`, `customer_view`, `resolve_bot` (and
`mumble.customers.recipient.Recipient` to find a customer by phone or BSUID).
Agent and team assignment lives in `assignment.py`. Every write runs in one transaction
together with its outbox event.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Subquery
from tortoise.transactions import in_transaction

from mumble.customers.changes import apply_change, locked_customer
from mumble.customers.custom_fields import lock_custom_fields, register_custom_fields
from mumble.customers.fields import CONVERSATION_STATUS_SET
from mumble.customers.input import CustomerInput, validate_profile
from mumble.customers.recipient import Recipient
from mumble.customers.tombstones import bury
from mumble.customers.views import VIEW_COLUMNS, customer_view, customer_views
from mumble.customers.warnings import near_miss_warnings
from mumble.errors import BadRequest, Conflict, NotFound, Refusal
from mumble.events.outbox import record_event
from mumble.models import Bot, Customer
from mumble.models.states import BotMode
from mumble.paging import page_window
from mumble.phones import country_of

PER_PAGE = 250
ADD_FAILED = Refusal(BadRequest, "Failed to add customer due to invalid input")
EDIT_FAILED = Refusal(BadRequest, "Failed to update customer due to invalid input")
# The profile fields ensure_customer applies only to a customer it creates.
_ON_CREATE = frozenset({"name", "email"})
CUSTOMER_EXISTS = Refusal(Conflict, "Customer already exists")
BOT_NOT_FOUND = Refusal(NotFound, "Bot not found.")
INVALID_STATUS = Refusal(BadRequest, "Invalid conversation status.")
BotChoice = tuple[BotMode, uuid.UUID | None]


def uuid_or_none(raw: object) -> uuid.UUID | None:
    """A UUID from client input, or None for anything malformed (which then reads as not found)."""
    if isinstance(raw, uuid.UUID):
        return raw
    if not isinstance(raw, str | int) or isinstance(raw, bool):
        return None
    try:
        return uuid.UUID(str(raw).strip())
    except ValueError:
        return None


async def resolve_bot(account_id: uuid.UUID, token: str, *, lock: bool = False) -> BotChoice:
    """A bot_token as (bot_mode, bot id): a bot id of the account, "AI" or "turn_off"; else 404.

    With `lock`, the bot row stays locked (FOR NO KEY UPDATE) until the caller's transaction
    ends, so a concurrent delete-bot waits; take it before any customer row, in delete-bot's order.
    """
    word = token.strip()
    if word.lower() == "ai":
        return BotMode.AI, None
    if word.lower() == "turn_off":
        return BotMode.OFF, None
    bot_id = uuid_or_none(word)
    if bot_id is None:
        raise BOT_NOT_FOUND()
    query = Bot.filter(id=bot_id, account_id=account_id)
    found = await query.select_for_update(no_key=True).first() if lock else await query.exists()
    if not found:
        raise BOT_NOT_FOUND()
    return BotMode.FLOW, bot_id


def profile_values(profile: dict[str, Any], bot: BotChoice | None) -> dict[str, Any]:
    """The columns a profile and a bot choice set, in the order changes are reported."""
    values = dict(profile)
    if bot is not None:
        values["bot_mode"], values["bot_id"] = bot
    return values


async def create_customer(
    account_id: uuid.UUID,
    now: dt.datetime,
    *,
    phone: str | None = None,
    bsuid: str | None = None,
    profile: dict[str, Any] | None = None,
    bot: BotChoice | None = None,
    attribution: dict[str, Any] | None = None,
    custom_fields: dict[str, Any] | None = None,
) -> Customer:
    """Insert a customer (by phone, or by business-scoped user id alone) and record
    customer.created, inside the caller's transaction."""
    mode, bot_id = bot or (None, None)
    customer = await Customer.create(
        account_id=account_id,
        phone=phone,
        bsuid=bsuid,
        country=country_of(phone) if phone else None,
        bot_mode=mode,
        bot_id=bot_id,
        attribution=attribution or {},
        custom_fields=custom_fields or {},
        updated_at=now,
        **(profile or {}),
    )
    view = await customer_view(customer)
    await record_event(
        account_id, "customer.created", {"customer": view}, now=now, customer_id=customer.id
    )
    return customer


async def add_customer(account_id: uuid.UUID, data: CustomerInput, now: dt.datetime) -> list[str]:
    """add-new-customer: 409 when the phone exists, 404 for an unknown bot, 400 past 15 fields.

    Returns the warnings about new custom field names that look like a known field's.
    """
    if await Customer.exists(account_id=account_id, phone=data.phone):
        raise CUSTOMER_EXISTS()
    bot = await resolve_bot(account_id, data.bot_token) if data.bot_token else None
    profile = {key: value for key, value in data.profile.items() if value is not None}
    attribution = {key: value for key, value in data.attribution.items() if value is not None}
    custom = {key: value for key, value in data.custom_fields.items() if value is not None}
    try:
        async with in_transaction():
            new_names = await register_custom_fields(account_id, custom)
            await create_customer(
                account_id,
                now,
                phone=data.phone,
                profile=profile,
                bot=bot,
                attribution=attribution,
                custom_fields=custom,
            )
    except IntegrityError:
        # Lost a race with a concurrent add of the same phone: the unique pair decides.
        if await Customer.exists(account_id=account_id, phone=data.phone):
            raise CUSTOMER_EXISTS() from None
        if bot is not None and bot[1] is not None:
            raise BOT_NOT_FOUND() from None  # the bot was deleted meanwhile
        raise
    return near_miss_warnings(new_names)


def merged_fields(current: dict[str, Any] | None, updates: dict[str, Any]) -> dict[str, Any]:
    """`current` with `updates` applied; a None value removes the key."""
    merged = dict(current or {})
    for key, value in updates.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def edit_values(customer: Customer, data: CustomerInput, bot: BotChoice | None) -> dict[str, Any]:
    """The columns an edit sets: the profile and bot sent, attribution and custom fields merged."""
    values = profile_values(data.profile, bot)
    values["attribution"] = merged_fields(customer.attribution, data.attribution)
    values["custom_fields"] = merged_fields(customer.custom_fields, data.custom_fields)
    return values


async def edit_customer(
    account_id: uuid.UUID, who: Recipient, data: CustomerInput, now: dt.datetime
) -> tuple[list[str], list[str]]:
    """edit-customer of the customer `who` names: fields not sent stay; returns the custom
    field names processed, and the warnings about new custom field names that look like a
    known field's."""
    named = [key for key, value in data.custom_fields.items() if value is not None]
    async with in_transaction():
        if named:
            # Before the customer, in delete-custom-field's order (see custom_fields).
            await lock_custom_fields(account_id)
        bot = None
        if data.bot_token:
            # The bot before the customer, in delete-bot's order; an unknown customer still
            # answers first.
            await who.get(account_id)
            bot = await resolve_bot(account_id, data.bot_token, lock=True)
        customer = await who.locked(account_id)
        new_names = await register_custom_fields(account_id, named)
        await apply_change(customer, edit_values(customer, data, bot), now)
    return list(data.custom_fields), near_miss_warnings(new_names)


async def delete_customer(account_id: uuid.UUID, who: Recipient, now: dt.datetime) -> None:
    """Delete the customer; label links and stored messages go with it (FK cascade), and the
    inbound wamids stay buried so Meta's redeliveries do not bring the customer back."""
    async with in_transaction():
        customer = await who.locked(account_id)
        view = await customer_view(customer)
        await bury(customer, now)
        await customer.delete()
        await record_event(
            account_id, "customer.deleted", {"customer": view}, now=now, customer_id=customer.id
        )


async def set_conversation_status(
    account_id: uuid.UUID, who: Recipient, status: object, now: dt.datetime
) -> None:
    """One of the 18 canonical keys, else 400 "Invalid conversation status."."""
    if not isinstance(status, str) or status.strip() not in CONVERSATION_STATUS_SET:
        raise INVALID_STATUS()
    status = status.strip()
    async with in_transaction():
        customer = await who.locked(account_id)
        previous = customer.conversation_status
        await apply_change(
            customer,
            {"conversation_status": status},
            now,
            event="customer.conversation_status_changed",
            data=lambda view, _: {"customer": view, "previous_status": previous, "status": status},
        )


async def list_customers(account_id: uuid.UUID, page: int) -> dict[str, Any]:
    """One page of 250 in (created_at, id) order, with the reference's paging fields."""
    query = Customer.filter(account_id=account_id)
    total = await query.count()
    rows: list[dict[str, Any]] = []
    window = page_window(total, page, PER_PAGE)
    if window is not None:
        # Only the page's ids are read at depth (index-only), from the nearer end.
        order = ("-created_at", "-id") if window.from_end else ("created_at", "id")
        ids = query.order_by(*order).offset(window.offset).limit(window.limit).values("id")
        rows = (
            await Customer.filter(account_id=account_id, id__in=Subquery(ids))
            .order_by("created_at", "id")
            .values(*VIEW_COLUMNS)
        )
    pages = math.ceil(total / PER_PAGE)
    return {
        "customers": await customer_views(rows),
        "total": total,
        "pages": pages,
        "current_page": page,
        "per_page": PER_PAGE,
        "total_pages": pages,
    }


async def ensure_customer(
    account_id: uuid.UUID,
    phone: str,
    now: dt.datetime,
    *,
    name: str | None = None,
    email: str | None = None,
    source: str | None = None,
    bot_token: str | None = None,
    failure: Refusal | None = None,
) -> Customer:
    """Find or create by phone, record events. Own transaction.

    `name` and `email` are the profile of a customer this call creates: an existing customer
    keeps the ones the CRM holds (they are still validated, so a bad value is refused either
    way). `source` and `bot_token` apply to both. Bad fields are refused with `failure` (by
    default add-new-customer's or edit-customer's refusal)."""
    token = bot_token.strip() if isinstance(bot_token, str) and bot_token.strip() else None
    async with in_transaction():
        # The bot before the customer, in delete-bot's order: a racing delete-bot either waits
        # and then takes the customer off, or commits first and this is "Bot not found.".
        bot = await resolve_bot(account_id, token, lock=True) if token else None
        customer = (
            await Customer.filter(account_id=account_id, phone=phone)
            .select_for_update(no_key=True)
            .first()
        )
        if customer is None:
            profile = validate_profile(failure or ADD_FAILED, name=name, email=email, source=source)
            try:
                # A savepoint: a concurrent create of the same phone must not abort our caller.
                async with in_transaction():
                    return await create_customer(
                        account_id, now, phone=phone, profile=profile, bot=bot
                    )
            except IntegrityError:
                customer = await locked_customer(account_id, phone)
        profile = validate_profile(failure or EDIT_FAILED, name=name, email=email, source=source)
        kept = {key: value for key, value in profile.items() if key not in _ON_CREATE}
        await apply_change(customer, profile_values(kept, bot), now)
        return customer
