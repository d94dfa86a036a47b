"""What the AI bot decided for one turn: a reply to send, or a hand-off to humans."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# WhatsApp's limit on a text message body.
WHATSAPP_TEXT_MAX = 4096

HandOffReason = Literal["ai_decision", "ai_failure"]


@dataclass(frozen=True)
class Reply:
    """Send `text` to the customer (already fitted to the reply limit and WhatsApp's 4096)."""

    text: str


@dataclass(frozen=True)
class HandOff:
    """Hand the conversation to humans: the model chose to ("ai_decision"), or it could not
    answer ("ai_failure"). `detail` says why, for the hand-off event; it never holds a secret."""

    reason: HandOffReason
    detail: str


AiAnswer = Reply | HandOff


def fitted(text: str, limit: int) -> str:
    """`text` within `limit` characters (and WhatsApp's 4096): cut at a word near the end when
    one is there, with an ellipsis saying it was cut."""
    limit = max(1, min(limit, WHATSAPP_TEXT_MAX))
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space >= limit * 0.8:
        cut = cut[:space]
    return cut.rstrip() + "…"
