"""An account's bot rules: what a human's send does to a bot, the hand-off words and target.

Without a row the defaults hold: a human's send stops the bot, "agent" and "human" hand off,
and a hand-off assigns nobody unless its node names a team or an agent.
"""

from __future__ import annotations

import uuid
from typing import Any

from tortoise.transactions import in_transaction

from mumble.bots import flow
from mumble.customers.assignment import AGENT_NOT_FOUND, TEAM_NOT_FOUND
from mumble.customers.service import uuid_or_none
from mumble.errors import BadRequest, Refusal
from mumble.models import Agent, BotSettings, HumanSendRule, Team

KEYWORDS_MAX = 20
KEYWORD_MAX = 50
BAD_HUMAN_SEND = Refusal(BadRequest, "human_send must be stop or keep")
BAD_KEYWORDS = Refusal(
    BadRequest, f"handoff_keywords must be a list of at most {KEYWORDS_MAX} words"
)


def view(settings: BotSettings) -> dict[str, Any]:
    return {
        "human_send": HumanSendRule(settings.human_send).value,
        "handoff_keywords": list(settings.handoff_keywords or flow.DEFAULT_HANDOFF_KEYWORDS),
        "handoff_team_id": str(settings.handoff_team_id) if settings.handoff_team_id else None,
        "handoff_agent_id": str(settings.handoff_agent_id) if settings.handoff_agent_id else None,
    }


async def get_settings(account_id: uuid.UUID) -> dict[str, Any]:
    found = await BotSettings.get_or_none(account_id=account_id)
    return view(found or BotSettings(account_id=account_id))


def _keywords(raw: Any) -> list[str]:
    if not isinstance(raw, list) or len(raw) > KEYWORDS_MAX:
        raise BAD_KEYWORDS()
    words = []
    for word in raw:
        if not isinstance(word, str) or not word.strip() or len(word) > KEYWORD_MAX:
            raise BAD_KEYWORDS()
        words.append(word.strip())
    return words


async def _row_id(
    account_id: uuid.UUID, model: type[Team | Agent], raw: Any, missing: Refusal
) -> uuid.UUID | None:
    """An id of the account's team or agent; "" clears it; anything else unknown is a 404."""
    if raw == "":
        return None
    row_id = uuid_or_none(raw)
    if row_id is None or not await model.exists(id=row_id, account_id=account_id):
        raise missing()
    return row_id


async def edit_settings(account_id: uuid.UUID, changes: dict[str, Any]) -> dict[str, Any]:
    """Change the given rules (absent ones keep their value); returns all of them."""
    values: dict[str, Any] = {}
    if changes.get("human_send") is not None:
        if changes["human_send"] not in ("stop", "keep"):
            raise BAD_HUMAN_SEND()
        values["human_send"] = HumanSendRule(changes["human_send"])
    if changes.get("handoff_keywords") is not None:
        values["handoff_keywords"] = _keywords(changes["handoff_keywords"])
    if changes.get("handoff_team_id") is not None:
        values["handoff_team_id"] = await _row_id(
            account_id, Team, changes["handoff_team_id"], TEAM_NOT_FOUND
        )
    if changes.get("handoff_agent_id") is not None:
        values["handoff_agent_id"] = await _row_id(
            account_id, Agent, changes["handoff_agent_id"], AGENT_NOT_FOUND
        )
    async with in_transaction():
        settings, _ = await BotSettings.get_or_create(account_id=account_id)
        if values:
            for name, value in values.items():
                setattr(settings, name, value)
            await settings.save(update_fields=list(values))
    return view(settings)
