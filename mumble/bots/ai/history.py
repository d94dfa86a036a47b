"""The recent conversation the AI bot is shown: bounded by messages and by characters.

Inbound messages are the `user`'s turns, outbound ones the `assistant`'s (whoever sent them:
the bot, an agent, a campaign: the customer saw them all as the business speaking). Media and
other non-text messages are summarised ("[image] caption"), since a chat model is sent text.
Outbound messages that failed never reached the customer and are left out. The newest messages
win the budget: walking back from the newest, a message that would overrun the character budget
ends the history (the newest one is always sent, clipped to the budget).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Literal

from tortoise.expressions import Q

from mumble.models import Message
from mumble.models.states import Direction, MessageStatus

Role = Literal["user", "assistant"]
_MEDIA = ("image", "video", "audio", "document", "sticker")


@dataclass(frozen=True)
class Turn:
    """One message as the model sees it."""

    role: Role
    content: str
    message_id: int
    type: str
    occurred_at: dt.datetime


def summary(message: Message) -> str:
    """The text a model is shown for one message ("" when there is nothing to show)."""
    text = (message.text or "").strip()
    kind = message.type
    if kind == "text":
        return text
    if kind in _MEDIA:
        label = f"[{kind}: {message.media_filename}]" if message.media_filename else f"[{kind}]"
        return f"{label} {text}".strip()
    if kind == "template":
        return (message.rendered_body or "").strip() or text or "[template]"
    if kind in ("interactive", "button", "order"):
        return text or f"[{kind}]"
    if kind == "reaction":
        return f"[reaction: {text}]" if text else ""
    if kind in ("location", "contacts", "system"):
        return f"[{kind}] {text}".strip()
    return f"[{kind} message]" if not text else f"[{kind}] {text}"


def bounded(newest_first: list[Message], max_messages: int, max_chars: int) -> list[Turn]:
    """At most `max_messages` turns holding at most `max_chars` characters, oldest first."""
    turns: list[Turn] = []
    used = 0
    for message in newest_first:
        if len(turns) >= max_messages:
            break
        content = summary(message)
        if not content:
            continue
        if used + len(content) > max_chars:
            if turns:
                break
            content = content[:max_chars]
        used += len(content)
        role: Role = "user" if message.direction == Direction.INBOUND else "assistant"
        turns.append(Turn(role, content, message.id, message.type, message.occurred_at))
    turns.reverse()
    return turns


async def recent_turns(
    account_id: uuid.UUID,
    customer_id: uuid.UUID,
    now: dt.datetime,
    *,
    max_messages: int,
    max_chars: int,
) -> list[Turn]:
    """The customer's conversation up to `now`, bounded as `bounded` says."""
    rows = (
        await Message.filter(account_id=account_id, customer_id=customer_id, occurred_at__lte=now)
        .filter(~Q(direction=Direction.OUTBOUND, status=MessageStatus.FAILED))
        .order_by("-occurred_at", "-id")
        # Messages with nothing to show are skipped, so read a few beyond the bound.
        .limit(max_messages * 2)
    )
    return bounded(rows, max_messages, max_chars)
