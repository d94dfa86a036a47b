"""The account's bot rules: get-bot-settings and edit-bot-settings."""

from __future__ import annotations

from typing import Any

from mumble.bots import account_settings as rules
from mumble.customers.assignment import AGENT_NOT_FOUND, TEAM_NOT_FOUND
from mumble.endpoint import Call, Endpoint, api_route
from mumble.openapi.schema import array, nullable, obj, string, success
from mumble.params import value

TAG = "Bots"
_SETTINGS = obj(
    {
        "human_send": string(
            "What a human's send to a bot-owned customer does to the bot.", enum=["stop", "keep"]
        ),
        "handoff_keywords": array(string(), "Whole-message words that hand off to a human."),
        "handoff_team_id": nullable(
            string("The team a hand-off assigns when its node names none.")
        ),
        "handoff_agent_id": nullable(
            string("The agent a hand-off assigns when its node names none.")
        ),
    },
    ("human_send", "handoff_keywords", "handoff_team_id", "handoff_agent_id"),
)
HUMAN_SEND = value("human_send", string(enum=["stop", "keep"]))
KEYWORDS = value(
    "handoff_keywords", array(string(maxLength=rules.KEYWORD_MAX), maxItems=rules.KEYWORDS_MAX)
)
TEAM_ID = value("handoff_team_id", string('A team id, or "" for none.'))
AGENT_ID = value("handoff_agent_id", string('An agent id, or "" for none.'))

GET_SETTINGS = Endpoint(
    "GET",
    "/get-bot-settings",
    "bots:read",
    "The account's bot rules: human sends, hand-off keywords and default hand-off target.",
    TAG,
    success({"settings": _SETTINGS}, ("settings",)),
)


async def get_bot_settings(call: Call) -> dict[str, Any]:
    return {"success": True, "settings": await rules.get_settings(call.account_id)}


EDIT_SETTINGS = Endpoint(
    "POST",
    "/edit-bot-settings",
    "bots:write",
    "Change the account's bot rules; parameters left out keep their value.",
    TAG,
    success({"settings": _SETTINGS}, ("settings",)),
    params=(HUMAN_SEND, KEYWORDS, TEAM_ID, AGENT_ID),
    errors=(rules.BAD_HUMAN_SEND, rules.BAD_KEYWORDS, TEAM_NOT_FOUND, AGENT_NOT_FOUND),
)


async def edit_bot_settings(call: Call) -> dict[str, Any]:
    changes = {param.name: call.arg(param) for param in (HUMAN_SEND, KEYWORDS, TEAM_ID, AGENT_ID)}
    return {"success": True, "settings": await rules.edit_settings(call.account_id, changes)}


routes = [
    api_route(GET_SETTINGS, get_bot_settings),
    api_route(EDIT_SETTINGS, edit_bot_settings),
]
