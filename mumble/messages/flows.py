"""The send flows: everything that calls Meta to deliver a message, top to bottom.

`send_outbound` is the one pipeline every sender uses (free-form sends here, templates in
`templates.flows`): record the message `accepted` (committed) -> upload the file when one was
given (the uploaded id replaces the payload's placeholder) -> call Meta outside any transaction
-> record `sent` + wamid with message.sent and the statuses parked for it, or `failed` with
message.failed, then raise our error for Meta's. The 24-hour window is not checked there
(templates may go out at any time): free-form senders check it first, before anything is
written, so a refused send leaves no trace.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from mumble.channels.errors import meta_refusal
from mumble.channels.lookup import channel_of
from mumble.clock import Clock
from mumble.customers.service import ensure_customer
from mumble.customers.window import require_open_window
from mumble.errors import BadRequest, MumbleError, Refusal
from mumble.messages import sweep
from mumble.messages.media_types import MediaType
from mumble.messages.service import (
    OutboundMedia,
    Outgoing,
    record_accepted,
    record_media_id,
    record_outcome,
)
from mumble.models import Account, Customer, Message
from mumble.models.states import MessageStatus
from mumble.services import Services
from mumble.whatsapp.client import GraphClient
from mumble.whatsapp.errors import WhatsAppError
from mumble.whatsapp.payloads import media_payload, text_payload

TEXT_FAILED = "Failed to send text message."
MEDIA_FAILED = "Failed to send media message."
UPLOAD_FAILED = "Failed to upload media file."
# A send's own refusal for its profile fields (details name the field and what is wrong).
PROFILE_INVALID = Refusal(BadRequest, "Invalid customer field on the send")
# Meta's placeholder until the upload answers with the real media id.
_UPLOAD_PENDING = "pending-upload"


@dataclass(frozen=True)
class Sender:
    """What a send needs: the Graph client, the clock, the base of media URLs in events."""

    graph: GraphClient
    clock: Clock
    base_url: str

    @classmethod
    def of(cls, services: Services) -> Sender:
        return cls(services.graph, services.clock, services.settings.public_base_url)


@dataclass(frozen=True)
class Profile:
    """The optional customer fields a send may carry (name, email, source, bot_token)."""

    name: str | None = None
    email: str | None = None
    source: str | None = None
    bot_token: str | None = None


async def send_outbound(
    sender: Sender,
    account: Account,
    customer: Customer,
    payload: dict[str, Any],
    outgoing: Outgoing,
    *,
    failure_message: str,
) -> Message:
    """Record, send through Meta, record the outcome; raises our error for Meta's failure."""
    channel = channel_of(account)
    now = sender.clock.now()
    message = await record_accepted(account, customer, outgoing, now)
    # Meta echoes this in the status webhooks: how a crash sweep finds what became of the send.
    payload = {**payload, "biz_opaque_callback_data": sweep.callback_data(message.id)}
    media = outgoing.media
    kind = outgoing.kind

    async def failed(exc: WhatsAppError | None, reason: str | None = None) -> None:
        await record_outcome(
            message, customer, account, sender.base_url, now=now, error=exc, reason=reason
        )

    # The row is committed: whatever happens next, the attempt is on record.
    try:
        if media is not None and media.data is not None:
            try:
                media_id = await sender.graph.upload_media(
                    channel, media.data, media.mime_type, media.filename or f"file.{kind}"
                )
            except WhatsAppError as exc:
                await failed(exc, exc.title)
                raise meta_refusal(exc, UPLOAD_FAILED) from None
            await record_media_id(message, media_id)
            body = dict(payload[kind])
            body.pop("link", None)
            payload = {**payload, kind: {**body, "id": media_id}}
        try:
            wamid = await sender.graph.send_message(channel, payload)
        except WhatsAppError as exc:
            await failed(exc)
            raise meta_refusal(exc, failure_message) from None
    except MumbleError:
        raise
    except BaseException:
        # A bug or a cancellation: never leave the row claiming it is still on its way.
        if message.status == MessageStatus.ACCEPTED:
            await failed(None, "Send interrupted")
        raise
    await record_outcome(message, customer, account, sender.base_url, now=now, wamid=wamid)
    await message.refresh_from_db()
    return message


async def _prepare(
    sender: Sender, account_id: uuid.UUID, phone: str, profile: Profile
) -> tuple[Account, Customer]:
    """The account (with a channel) and the customer, refused unless the window is open."""
    account = await Account.get(id=account_id)
    channel_of(account)
    existing = await Customer.get_or_none(account_id=account_id, phone=phone)
    require_open_window(existing.last_inbound_at if existing else None, sender.clock.now())
    customer = await ensure_customer(
        account_id,
        phone,
        sender.clock.now(),
        name=profile.name,
        email=profile.email,
        source=profile.source,
        bot_token=profile.bot_token,
        failure=PROFILE_INVALID,
    )
    return account, customer


async def send_text(
    sender: Sender, account_id: uuid.UUID, phone: str, text: str, profile: Profile
) -> Message:
    """send-text-message: a free-form text inside the 24-hour window."""
    account, customer = await _prepare(sender, account_id, phone, profile)
    payload = text_payload(phone, text, preview_url="http://" in text or "https://" in text)
    return await send_outbound(
        sender, account, customer, payload, Outgoing("text", text), failure_message=TEXT_FAILED
    )


async def send_media(
    sender: Sender,
    account_id: uuid.UUID,
    phone: str,
    media_type: MediaType,
    *,
    caption: str | None,
    filename: str | None,
    link: str | None = None,
    data: bytes | None = None,
    profile: Profile,
) -> Message:
    """send-media-message: an uploaded file (`data`) or a public `link`, inside the window."""
    account, customer = await _prepare(sender, account_id, phone, profile)
    kind = media_type.kind
    payload = media_payload(
        phone,
        kind,
        link=link,
        media_id=_UPLOAD_PENDING if link is None else None,
        caption=caption,
        filename=filename,
    )
    media = OutboundMedia(media_type.mime_type, filename=filename, link=link, data=data)
    # WhatsApp shows captions on images, videos and documents only.
    text = caption if kind in ("image", "video", "document") else None
    outgoing = Outgoing(kind, text, media=media)
    return await send_outbound(
        sender, account, customer, payload, outgoing, failure_message=MEDIA_FAILED
    )
