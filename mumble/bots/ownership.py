"""Who answers a customer: a bot until a human takes over, the customer says STOP, or a
hand-off keyword asks for a person.

A human's send through the API (send-text-message, send-media-message, send-template) to a
customer a bot owns stops the bot for that customer unless the account's bot settings say
`keep`: the customer's bot becomes `turn_off`, any flow session ends, and
`conversation.handed_off` (reason `human_send`) records the change of owner. Bot sends never
count: they are made on behalf of the bot (`messages.service.ON_BEHALF`).
"""

from __future__ import annotations

import datetime as dt
import uuid

from tortoise.transactions import in_transaction

from mumble.bots import flow, sessions
from mumble.consent import keywords
from mumble.customers.changes import apply_change
from mumble.events.outbox import record_event
from mumble.messages.service import ON_BEHALF
from mumble.models import Account, BotSettings, Consent, Customer, HumanSendRule
from mumble.models.states import BotMode

BOT_OWNED = (BotMode.FLOW, BotMode.AI)


async def settings_of(account_id: uuid.UUID) -> BotSettings:
    """The account's bot settings (the defaults when it never set any)."""
    found = await BotSettings.get_or_none(account_id=account_id)
    return found or BotSettings(account_id=account_id)


def handoff_keywords(settings: BotSettings) -> tuple[str, ...]:
    return tuple(settings.handoff_keywords or flow.DEFAULT_HANDOFF_KEYWORDS)


def is_stop(account: Account, text: str | None, now: dt.datetime) -> bool:
    """True when the whole text is one of the account's STOP (opt-out) keywords."""
    change = keywords.match(text, keywords.keywords_for(account.consent_keywords), now=now)
    return change is not None and change.marketing == Consent.OPTED_OUT


async def stop_bot(
    account_id: uuid.UUID, customer_id: uuid.UUID, reason: str, now: dt.datetime
) -> bool:
    """Take the bot off the customer (bot `turn_off`) and end its session; True when a bot
    owned the customer. A human's send also records conversation.handed_off."""
    async with in_transaction():
        customer = (
            await Customer.filter(id=customer_id, account_id=account_id)
            .select_for_update(no_key=True)
            .first()
        )
        if customer is None or customer.bot_mode not in BOT_OWNED:
            return False
        from_bot = await sessions.bot_view(
            BotMode(customer.bot_mode),
            customer.bot_id,  # type: ignore[attr-defined]
        )
        await apply_change(
            customer,
            {"bot_mode": BotMode.OFF, "bot_id": None},
            now,
            event="customer.assigned",
            data=lambda view, _: {"customer": view, "bot": view["bot"], "previous_bot": from_bot},
        )
        await sessions.end_live(customer.id, reason, now)
        if reason == "human_send":
            await record_event(
                account_id,
                "conversation.handed_off",
                {
                    "customer": await sessions.customer_view_of(customer),
                    "from_bot": from_bot,
                    "to": {"team": None, "agent": None},
                    "reason": reason,
                    "detail": None,
                },
                now=now,
                customer_id=customer.id,
            )
    return True


async def after_human_send(account_id: uuid.UUID, customer_id: uuid.UUID, now: dt.datetime) -> None:
    """Called after an API send: stops the customer's bot unless the account keeps it running."""
    if ON_BEHALF.get() is not None:
        return
    owned = await Customer.filter(
        id=customer_id, account_id=account_id, bot_mode__in=BOT_OWNED
    ).exists()
    if not owned:
        return
    if (await settings_of(account_id)).human_send == HumanSendRule.KEEP:
        return
    await stop_bot(account_id, customer_id, "human_send", now)
