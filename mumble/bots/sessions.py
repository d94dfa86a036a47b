"""Flow sessions: ending them, counting who is where, and the views events carry.

A session ends once (the conditional update on `live`), whatever ends it: the flow's end node,
a hand-off, the customer's STOP, assign-bot, a human's send. Its steps stay for the record.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from mumble.customers import views
from mumble.models import Bot, Customer, FlowSession, SessionState
from mumble.models.states import BotMode


async def end_live(customer_id: uuid.UUID, reason: str, now: dt.datetime) -> bool:
    """End the customer's running session, if any; True when one ended."""
    ended = await FlowSession.filter(live=customer_id).update(
        live=None, state=SessionState.ENDED, end_reason=reason, ended_at=now, updated_at=now
    )
    return bool(ended)


async def customers_at_nodes(bot_id: uuid.UUID) -> dict[int, dict[str, int]]:
    """How many live sessions of the bot are at each node, by flow version."""
    rows = await FlowSession.filter(bot_id=bot_id, live__isnull=False).values_list(
        "version", "node"
    )
    counts: dict[int, dict[str, int]] = {}
    for version, node in rows:
        at = counts.setdefault(int(version), {})
        at[str(node)] = at.get(str(node), 0) + 1
    return counts


async def bot_view(mode: BotMode, bot_id: uuid.UUID | None) -> dict[str, Any] | None:
    """The bot as the customer view shows it (`{"type", "id", "name"}`)."""
    bot = await Bot.filter(id=bot_id).values("id", "name") if bot_id else []
    row = {"id": str(bot[0]["id"]), "name": bot[0]["name"]} if bot else None
    return views.bot_view(mode, row)


async def customer_view_of(customer: Customer) -> dict[str, Any]:
    return await views.customer_view(customer)
