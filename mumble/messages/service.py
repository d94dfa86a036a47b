"""Messages: recording outbound sends and their outcome, and the message queries.

The send orchestration (record -> call Meta -> record the outcome) is `messages.flows`; this
module holds the writes it is made of, each one transaction with its event, and the reads of
get-message and the media download.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from tortoise.transactions import in_transaction

from mumble import idempotency
from mumble.errors import NotFound, Refusal
from mumble.events.outbox import record_event
from mumble.messages import statuses
from mumble.messages.views import event_data, message_view
from mumble.models import Account, Customer, MediaBlob, Message
from mumble.models.states import Direction, MediaState, MessageStatus
from mumble.observability import metrics
from mumble.text import ascii_int
from mumble.whatsapp.errors import WhatsAppError

MESSAGE_NOT_FOUND = Refusal(NotFound, "Message not found")
MEDIA_NOT_FOUND = Refusal(NotFound, "Media not found")


@dataclass(frozen=True)
class OutboundMedia:
    """The file of a media send: uploaded bytes (`data`) or a public `link` Meta fetches."""

    mime_type: str
    filename: str | None = None
    link: str | None = None
    data: bytes | None = None


@dataclass(frozen=True)
class Outgoing:
    """What is about to be sent, as it is stored before Meta hears of it."""

    kind: str
    text: str | None
    template_id: uuid.UUID | None = None
    rendered_body: str | None = None
    media: OutboundMedia | None = None
    # The wamid answered: the quoted message of a reply, or the message reacted to.
    reply_to: str | None = None
    # A MARKETING template: the pacer holds these for a user Meta capped (131049).
    marketing: bool = False


@dataclass(frozen=True)
class OnBehalf:
    """A send a bot makes: stored with the bot's mark, and `record` runs inside the transaction
    that records the message accepted, so the bot's step and its message commit together (a
    step recorded means its message is on record, and a step is never recorded twice)."""

    bot_kind: str
    bot_id: uuid.UUID | None
    record: Callable[[Message], Awaitable[None]] | None = None


# Set by the bot runtime around the sends it makes; every send pipeline ends in record_accepted,
# so free-form, interactive and template sends are marked alike without new parameters.
ON_BEHALF: ContextVar[OnBehalf | None] = ContextVar("mumble_send_on_behalf", default=None)


async def record_accepted(
    account: Account, customer: Customer, outgoing: Outgoing, now: dt.datetime
) -> Message:
    """Store the message `accepted` (and an uploaded file), committed before Meta is called."""
    media = outgoing.media
    behalf = ON_BEHALF.get()
    async with in_transaction():
        message = await Message.create(
            bot_kind=behalf.bot_kind if behalf else None,
            bot_id=behalf.bot_id if behalf else None,
            account_id=account.id,
            customer_id=customer.id,
            direction=Direction.OUTBOUND,
            type=outgoing.kind,
            text=outgoing.text,
            status=MessageStatus.ACCEPTED,
            template_id=outgoing.template_id,
            rendered_body=outgoing.rendered_body,
            reply_to=outgoing.reply_to,
            media_mime=media.mime_type if media else None,
            media_filename=media.filename if media else None,
            media_link=media.link if media else None,
            media_state=MediaState.FETCHED if media and media.data is not None else MediaState.NONE,
            occurred_at=now,
        )
        if media is not None and media.data is not None:
            await MediaBlob.create(
                message_id=message.id,
                mime_type=media.mime_type,
                size=len(media.data),
                data=media.data,
            )
        if behalf is not None and behalf.record is not None:
            await behalf.record(message)
        # From here the send is on record: an Idempotency-Key replays whatever follows.
        await idempotency.recorded(message.id)
    metrics.count_message(Direction.OUTBOUND, MessageStatus.ACCEPTED)
    return message


async def record_media_id(message: Message, media_id: str) -> None:
    """Keep the id Meta gave the uploaded file."""
    message.media_id = media_id
    await message.save(update_fields=["media_id", "updated_at"])


async def record_outcome(
    message: Message,
    customer: Customer,
    account: Account,
    base_url: str,
    *,
    now: dt.datetime,
    wamid: str | None = None,
    error: WhatsAppError | None = None,
    reason: str | None = None,
) -> None:
    """Store `sent` + wamid, or `failed` + reason, with its event, in one transaction."""
    async with in_transaction():
        if wamid is not None:
            message.wamid, message.status, message.sent_at = wamid, MessageStatus.SENT, now
            fields = ["wamid", "status", "sent_at", "updated_at"]
            event = "message.sent"
        else:
            message.status, message.failed_at = MessageStatus.FAILED, now
            message.error_code = error.code if error is not None else None
            # Tortoise types TextField as str even when null=True.
            message.error_message = reason or (error.title if error else None)  # type: ignore[assignment]
            fields = ["status", "failed_at", "error_code", "error_message", "updated_at"]
            event = "message.failed"
        await message.save(update_fields=fields)
        data = event_data(message, customer, account, base_url=base_url)
        await record_event(account.id, event, data, now=now, customer_id=customer.id)
        if wamid is not None:
            # Status webhooks may have beaten Meta's answer: apply what was parked for this wamid
            # in this same transaction, so a status arriving meanwhile cannot jump the queue.
            await statuses.apply_parked(message, now, base_url=base_url)
    outcome = MessageStatus.SENT if wamid is not None else MessageStatus.FAILED
    metrics.count_message(Direction.OUTBOUND, outcome)


async def get_message(
    account_id: uuid.UUID, wamid: str | None, *, message_id: int | None = None, base_url: str
) -> dict[str, Any]:
    """get-message: the account's message with this wamid and/or our id; 404 "Message not
    found"."""
    lookup: dict[str, Any] = {"account_id": account_id}
    if wamid is not None:
        lookup["wamid"] = wamid
    if message_id is not None:
        lookup["id"] = message_id
    message = await Message.filter(**lookup).select_related("customer", "account").first()
    if message is None:
        raise MESSAGE_NOT_FOUND()
    return message_view(message, message.customer, message.account, base_url=base_url)


async def media_file(account_id: uuid.UUID, message_id: str) -> tuple[bytes, str, str | None]:
    """The stored media of one of the account's messages: (bytes, mime type, file name)."""
    number = ascii_int(message_id)
    if number is None:
        raise MEDIA_NOT_FOUND()
    message = await Message.get_or_none(id=number, account_id=account_id)
    blob = await MediaBlob.get_or_none(message_id=message.id) if message else None
    if message is None or blob is None:
        raise MEDIA_NOT_FOUND()
    return bytes(blob.data), blob.mime_type, message.media_filename
