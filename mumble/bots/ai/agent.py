"""The webhook kind: the signed request to the integrator's agent and reading its answer. Pure.

The body has the shape of an event delivery (`id`, `type`, `account`, `timestamp`, `data`) and
is signed the same way (Standard Webhooks, `mumble.events.signing`), so the integrator verifies
it with the code it already has for events. The agent answers `{"reply": "..."}` to send a
text, or `{"handoff": true, "reason": "..."}` to hand the conversation to humans.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import orjson

from mumble.bots.ai.completions import REASON_MAX, Malformed, read_answer
from mumble.bots.ai.history import Turn
from mumble.bots.ai.outcome import AiAnswer, HandOff
from mumble.clock import rfc3339
from mumble.models import Customer
from mumble.models.ai import AiBot

TURN_TYPE = "ai_bot.turn"


def agent_request(
    bot: AiBot, customer: Customer, turns: list[Turn], now: dt.datetime
) -> dict[str, Any]:
    """The body posted to the agent: who the customer is and the bounded conversation."""
    return {
        "id": str(uuid.uuid4()),
        "type": TURN_TYPE,
        "account": str(bot.account_id),
        "timestamp": rfc3339(now),
        "data": {
            "customer": {
                "id": str(customer.id),
                "phone": customer.phone,
                "user_id": customer.bsuid,
                "name": customer.name,
            },
            "messages": [
                {
                    "role": turn.role,
                    "content": turn.content,
                    "type": turn.type,
                    "message_id": turn.message_id,
                    "timestamp": rfc3339(turn.occurred_at),
                }
                for turn in turns
            ],
            "max_reply_chars": bot.max_reply_chars,
        },
    }


def read_agent_answer(raw: bytes, bot: AiBot) -> AiAnswer:
    """The agent's decision; Malformed when the answer is neither a reply nor a hand-off."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise Malformed("malformed answer: not JSON") from None
    if not isinstance(body, dict):
        raise Malformed("malformed answer: not a JSON object")
    if body.get("handoff") is True:
        reason = body.get("reason")
        shown = reason.strip()[:REASON_MAX] if isinstance(reason, str) else ""
        return HandOff("ai_decision", shown or "the agent handed off")
    reply = body.get("reply")
    if not isinstance(reply, str):
        raise Malformed("malformed answer: neither reply nor handoff")
    if not reply.strip():
        raise Malformed("empty answer")
    return read_answer(reply.strip(), bot)
