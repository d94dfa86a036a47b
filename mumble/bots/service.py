"""Chatbots: created by the admin CLI or the API, listed and assigned to customers through it.

A customer's bot state is `Customer.bot_mode` (a `BotMode`, or None when never set) and, for a
flow bot, `Customer.bot`.
Bot tokens are read by `mumble.customers.service.resolve_bot`, shared with add-new-customer.
"""

from __future__ import annotations

import datetime as dt
import uuid

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mumble.accounts.service import get_account
from mumble.customers.assignment import release
from mumble.customers.changes import CUSTOMER_NOT_FOUND, apply_change
from mumble.customers.recipient import Recipient
from mumble.customers.service import BOT_NOT_FOUND, resolve_bot, uuid_or_none
from mumble.errors import Conflict, Refusal
from mumble.models import Bot, Customer
from mumble.text import checked_name

BOT_EXISTS = Refusal(Conflict, "Bot already exists")


async def create_bot(account_id: str | uuid.UUID, name: str) -> Bot:
    """Create a flow bot of the account; 404 when the account does not exist, 409 when it has
    a bot by that name."""
    account = await get_account(account_id)
    try:
        async with in_transaction():
            return await Bot.create(account=account, name=checked_name(name))
    except IntegrityError:
        raise BOT_EXISTS() from None


async def delete_bot(account_id: uuid.UUID, raw_id: object, now: dt.datetime) -> int:
    """Delete a flow bot: the customers it answered are taken off it first (bot null, each
    with customer.assigned). Returns how many; 404 "Bot not found" for no such bot."""
    bot_id = uuid_or_none(raw_id)
    async with in_transaction():
        bot = None
        if bot_id is not None:
            bot = await Bot.filter(id=bot_id, account_id=account_id).select_for_update().first()
        if bot is None:
            raise BOT_NOT_FOUND()
        released = await release(account_id, bot, now)
        await bot.delete()
    return released


async def list_bots(account_id: uuid.UUID) -> list[dict[str, str]]:
    """Every bot of the account, oldest first: `{"id", "name"}`."""
    rows = await Bot.filter(account_id=account_id).order_by("created_at", "id").values("id", "name")
    return [{"id": str(row["id"]), "name": row["name"]} for row in rows]


async def assign_bot(
    account_id: uuid.UUID, who: Recipient, token: str, now: dt.datetime
) -> Customer:
    """Point the customer at a flow bot, the AI assistant, or turn bots off.

    The token is read by `customers.service.resolve_bot` (the same rule as add-new-customer's
    bot_token). Records customer.assigned only when the assignment changes.
    """
    customer = await who.get(account_id)
    mode, bot_id = await resolve_bot(account_id, token)
    async with in_transaction():
        # The bot first, in the order delete-bot locks them: a concurrent delete either waits
        # for this assignment and then takes the customer off, or commits first and this is a
        # 404 as for an unknown bot (never a foreign-key violation).
        if (
            bot_id is not None
            and not await Bot.filter(id=bot_id, account_id=account_id)
            .select_for_update(no_key=True)
            .first()
        ):
            raise BOT_NOT_FOUND()
        # Lock and re-read so concurrent assignments serialise and a deleted row is not revived.
        current = (
            await Customer.filter(id=customer.id, account_id=account_id)
            .select_for_update(no_key=True)
            .first()
        )
        if current is None:
            raise CUSTOMER_NOT_FOUND()
        await apply_change(
            current,
            {"bot_mode": mode, "bot_id": bot_id},
            now,
            event="customer.assigned",
            data=lambda view, _: {"customer": view, "bot": view["bot"]},
        )
    return current
