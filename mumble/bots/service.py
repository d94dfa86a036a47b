"""Chatbots: created by the admin CLI or the API, listed and assigned to customers through it.

A customer's bot state is `Customer.bot_mode` (a `BotMode`, or None when never set) and, for a
flow bot, `Customer.bot`.
Bot tokens are read by `mumble.customers.service.resolve_bot`, shared with add-new-customer.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mumble.accounts.service import get_account
from mumble.bots import flow as flows
from mumble.bots import sessions
from mumble.customers.assignment import release
from mumble.customers.changes import CUSTOMER_NOT_FOUND, apply_change
from mumble.customers.recipient import Recipient
from mumble.customers.service import BOT_NOT_FOUND, resolve_bot, uuid_or_none
from mumble.errors import BadRequest, Conflict, Refusal
from mumble.events.outbox import record_event
from mumble.models import Agent, Bot, Customer, FlowVersion, Team, Template
from mumble.models.states import BotMode
from mumble.text import checked_name

BOT_EXISTS = Refusal(Conflict, "Bot already exists")
FLOW_INVALID = Refusal(BadRequest, "The flow is not valid")
NOTHING_TO_EDIT = Refusal(BadRequest, "Give a new name or a flow")


async def _known(account_id: uuid.UUID) -> flows.Known:
    """What a flow of this account may name: approved templates, teams, agents."""
    templates = await Template.filter(account_id=account_id, status="APPROVED").values_list(
        "id", flat=True
    )
    teams = await Team.filter(account_id=account_id).values_list("id", flat=True)
    agents = await Agent.filter(account_id=account_id).values_list("id", flat=True)
    return flows.Known(
        approved_templates=frozenset(str(t) for t in templates),
        teams=frozenset(str(t) for t in teams),
        agents=frozenset(str(a) for a in agents),
    )


async def check_flow(account_id: uuid.UUID, flow: Any) -> dict[str, Any]:
    """The flow as it is saved; 400 FLOW_INVALID listing every problem in `details`."""
    found = flows.problems(flow, await _known(account_id))
    if found:
        raise FLOW_INVALID(details=found)
    return dict(flow)


async def _save_version(bot: Bot, flow: dict[str, Any], now: dt.datetime) -> None:
    """A new version row, made the bot's current one (the caller's transaction, bot locked)."""
    version = (bot.flow_version or 0) + 1
    await FlowVersion.create(bot_id=bot.id, version=version, flow=flow, created_at=now)
    bot.flow_version = version
    await bot.save(update_fields=["flow_version"])


async def create_bot(
    account_id: str | uuid.UUID,
    name: str,
    flow: Any = None,
    now: dt.datetime | None = None,
) -> Bot:
    """Create a flow bot of the account, with its flow when given (checked first); 404 when
    the account does not exist, 409 when it has a bot by that name."""
    account = await get_account(account_id)
    checked = await check_flow(account.id, flow) if flow is not None else None
    try:
        async with in_transaction():
            bot = await Bot.create(account=account, name=checked_name(name))
            if checked is not None:
                await _save_version(bot, checked, now or dt.datetime.now(dt.UTC))
            return bot
    except IntegrityError:
        raise BOT_EXISTS() from None


async def edit_bot(
    account_id: uuid.UUID, raw_id: object, name: str | None, flow: Any, now: dt.datetime
) -> Bot:
    """Rename a bot and/or save a new version of its flow (checked completely first). Customers
    mid-flow finish on the version they started; new sessions start on this one."""
    if name is None and flow is None:
        raise NOTHING_TO_EDIT()
    bot_id = uuid_or_none(raw_id)
    if bot_id is None or not await Bot.exists(id=bot_id, account_id=account_id):
        raise BOT_NOT_FOUND()
    checked = await check_flow(account_id, flow) if flow is not None else None
    try:
        async with in_transaction():
            bot = await Bot.filter(id=bot_id, account_id=account_id).select_for_update().first()
            if bot is None:
                raise BOT_NOT_FOUND()
            if name is not None:
                bot.name = checked_name(name)
                await bot.save(update_fields=["name"])
            if checked is not None:
                await _save_version(bot, checked, now)
            return bot
    except IntegrityError:
        raise BOT_EXISTS() from None


async def get_bot(account_id: uuid.UUID, raw_id: object) -> dict[str, Any]:
    """A bot with its current flow (null without one), its version, and how many customers
    are at each node of that version now."""
    bot_id = uuid_or_none(raw_id)
    bot = await Bot.get_or_none(id=bot_id, account_id=account_id) if bot_id else None
    if bot is None:
        raise BOT_NOT_FOUND()
    flow = None
    if bot.flow_version is not None:
        row = await FlowVersion.get(bot_id=bot.id, version=bot.flow_version)
        flow = row.flow
    at_nodes = await sessions.customers_at_nodes(bot.id)
    return {
        "id": str(bot.id),
        "name": bot.name,
        "version": bot.flow_version,
        "flow": flow,
        "customers_at_nodes": at_nodes.get(bot.flow_version, {}) if bot.flow_version else {},
        "customers_on_older_versions": sum(
            sum(nodes.values())
            for version, nodes in at_nodes.items()
            if version != bot.flow_version
        ),
    }


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
        previous = current.bot_mode
        changed = await apply_change(
            current,
            {"bot_mode": mode, "bot_id": bot_id},
            now,
            event="customer.assigned",
            data=lambda view, _: {"customer": view, "bot": view["bot"]},
        )
        if changed:
            # A new owner: whatever session ran for the previous one ends here.
            await sessions.end_live(
                current.id, "turn_off" if mode == BotMode.OFF else "reassigned", now
            )
            # Back to a bot after the humans had the conversation (a hand-off, turn_off).
            if mode in (BotMode.FLOW, BotMode.AI) and previous == BotMode.OFF:
                view = await sessions.bot_view(mode, bot_id)
                await record_event(
                    account_id,
                    "conversation.bot_resumed",
                    {"customer": await sessions.customer_view_of(current), "bot": view},
                    now=now,
                    customer_id=current.id,
                )
    return current
