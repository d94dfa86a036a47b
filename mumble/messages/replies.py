"""What a send may answer: a message of the same customer's conversation, named by its wamid.

A reply quotes a message (Meta's `context.message_id`), a reaction sits on one; either way the
message must be this customer's, so a wamid of another customer (or another account) is refused
before anything is written or sent.
"""

from __future__ import annotations

import uuid

from mumble.errors import NotFound, Refusal
from mumble.models import Message
from mumble.models.messages import WAMID_MAX
from mumble.params import text

REPLY_NOT_FOUND = Refusal(NotFound, "reply_to names no message in this customer's conversation")
TARGET_NOT_FOUND = Refusal(
    NotFound, "message_wa_id names no message in this customer's conversation"
)

REPLY_TO = text(
    "reply_to",
    max_length=WAMID_MAX,
    description="The wamid of a message of this customer's conversation to quote (a reply).",
)


async def in_conversation(customer_id: uuid.UUID, wamid: str) -> bool:
    """Whether `wamid` is a message (either direction) of this customer's conversation."""
    return await Message.exists(customer_id=customer_id, wamid=wamid)


async def quoted(customer_id: uuid.UUID | None, wamid: str | None) -> str | None:
    """The wamid a send replies to (None: no reply); 404 when it is not in the conversation."""
    if wamid is None:
        return None
    if customer_id is None or not await in_conversation(customer_id, wamid):
        raise REPLY_NOT_FOUND()
    return wamid
