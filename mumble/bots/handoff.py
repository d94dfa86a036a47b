"""Handing a conversation from a bot to the humans: one function every bot kind calls.

`hand_off` sets the conversation status to `waiting_for_agent`, assigns the team or agent the
caller names (else the account's bot settings name, else nobody), takes the bot off the customer
(bot_mode `turn_off`, so no bot answers until assign-bot gives one back), ends any flow session,
and records `conversation.handed_off` saying from which bot, to whom and why, all in one
transaction. It runs inside a caller's transaction as well (a flow's step uses it so).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from tortoise.transactions import in_transaction

from mumble.bots import sessions
from mumble.customers.changes import apply_change
from mumble.events.outbox import record_event
from mumble.models import Agent, BotSettings, Customer, Team
from mumble.models.states import BotMode

Reason = Literal["node", "keyword", "timeout", "ai_decision", "ai_failure", "human_send"]
HANDOFF_STATUS = "waiting_for_agent"


async def _target(
    account_id: uuid.UUID, team_id: uuid.UUID | None, agent_id: uuid.UUID | None
) -> tuple[dict[str, str] | None, dict[str, str] | None]:
    """The team and agent to assign (ids of this account only), defaulting to the settings."""
    if team_id is None and agent_id is None:
        settings = await BotSettings.get_or_none(account_id=account_id)
        if settings is not None:
            team_id, agent_id = settings.handoff_team_id, settings.handoff_agent_id
    team = (
        await Team.filter(id=team_id, account_id=account_id).values("id", "name") if team_id else []
    )
    agent = (
        await Agent.filter(id=agent_id, account_id=account_id).values("id", "name")
        if agent_id
        else []
    )

    def named(rows: list[dict[str, Any]]) -> dict[str, str] | None:
        return {"id": str(rows[0]["id"]), "name": rows[0]["name"]} if rows else None

    return named(team), named(agent)


async def hand_off(
    account_id: uuid.UUID,
    customer_id: uuid.UUID,
    *,
    reason: Reason,
    team_id: uuid.UUID | None = None,
    agent_id: uuid.UUID | None = None,
    now: dt.datetime,
    detail: str | None = None,
) -> None:
    """Give the customer's conversation to the humans (see the module docstring). A customer
    no bot owns any more (a hand-off already made) is left as it is."""
    team, agent = await _target(account_id, team_id, agent_id)
    async with in_transaction():
        customer = (
            await Customer.filter(id=customer_id, account_id=account_id)
            .select_for_update(no_key=True)
            .first()
        )
        if customer is None or customer.bot_mode not in (BotMode.FLOW, BotMode.AI):
            return
        from_bot = await sessions.bot_view(
            BotMode(customer.bot_mode),
            customer.bot_id,  # type: ignore[attr-defined]
        )
        previous = customer.conversation_status
        await apply_change(
            customer,
            {"conversation_status": HANDOFF_STATUS},
            now,
            event="customer.conversation_status_changed",
            data=lambda view, _: {
                "customer": view,
                "previous_status": previous,
                "status": HANDOFF_STATUS,
            },
        )
        values: dict[str, Any] = {"bot_mode": BotMode.OFF, "bot_id": None}
        if team is not None:
            values["team_id"] = uuid.UUID(team["id"])
        if agent is not None:
            values["agent_id"] = uuid.UUID(agent["id"])
        await apply_change(
            customer,
            values,
            now,
            event="customer.assigned",
            data=lambda view, _: {"customer": view, "bot": view["bot"], "previous_bot": from_bot},
        )
        await sessions.end_live(customer.id, f"handoff_{reason}", now)
        await record_event(
            account_id,
            "conversation.handed_off",
            {
                "customer": await sessions.customer_view_of(customer),
                "from_bot": from_bot,
                "to": {"team": team, "agent": agent},
                "reason": reason,
                "detail": detail,
            },
            now=now,
            customer_id=customer.id,
        )
