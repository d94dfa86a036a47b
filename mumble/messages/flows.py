"""The send flows: everything that calls Meta to deliver a message, top to bottom.

`send_outbound` is the one pipeline every sender uses (free-form sends here, templates in
`templates.flows`): ask the pacer (`mumble.pacing`: a send that cannot go now raises `Paced`, a
429 with Retry-After, before anything is written) -> record the message `accepted` (committed)
-> upload the file when one was given (the uploaded id replaces the payload's placeholder) ->
call Meta outside any transaction
-> record `sent` + wamid with message.sent and the statuses parked for it, or `failed` with
message.failed, then raise our error for Meta's, carrying the stored message's `id`; Meta's
back-pressure codes (130429, 131056, 131048, 80007, 4, 131049) are told to the pacer, which
holds the next sends of that number (or that user). The 24-hour
window is not checked there (templates may go out at any time): free-form senders check it
first, before anything is written, so a refused send leaves no trace.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from typing import Any

from mumble.channels.errors import meta_refusal
from mumble.channels.lookup import channel_of
from mumble.clock import Clock
from mumble.customers.recipient import Recipient
from mumble.customers.service import ensure_customer
from mumble.customers.window import is_window_open, require_open_window
from mumble.errors import BadRequest, MumbleError, Refusal
from mumble.messages import sweep
from mumble.messages.media_types import MediaType
from mumble.messages.recipients import address_of, apply_profile
from mumble.messages.replies import quoted
from mumble.messages.service import (
    OutboundMedia,
    Outgoing,
    record_accepted,
    record_media_id,
    record_outcome,
)
from mumble.models import Account, Customer, Message
from mumble.models.states import MessageStatus
from mumble.pacing.channel import outbound
from mumble.pacing.pacer import Pacer
from mumble.pacing.rules import DEFAULT_MPS
from mumble.services import Services
from mumble.whatsapp.client import GraphClient
from mumble.whatsapp.errors import DEFAULT_RETRY_AFTER, WhatsAppError
from mumble.whatsapp.payloads import media_payload, replying, text_payload

TEXT_FAILED = "Failed to send text message."
MEDIA_FAILED = "Failed to send media message."
UPLOAD_FAILED = "Failed to upload media file."
# A send's own refusal for its profile fields (details name the field and what is wrong).
PROFILE_INVALID = Refusal(BadRequest, "Invalid customer field on the send")
# Meta's placeholder until the upload answers with the real media id.
_UPLOAD_PENDING = "pending-upload"


@dataclass(frozen=True)
class Sender:
    """What a send needs: the Graph client, the clock, the base of media URLs in events, and
    the pacer every send asks first. A Sender built without a pacer gets one of its own (this
    process, this Sender); `Sender.of(services)` shares the process's. `pair_burst=False` spaces
    every send to one user by the pair interval (a campaign never bursts one user); `cap` is a
    pace of the sender's own below Meta's, (key, messages/s), e.g. ("campaign:<id>", 50.0)."""

    graph: GraphClient
    clock: Clock
    base_url: str
    pacer: Pacer = field(default_factory=Pacer.in_memory)
    default_mps: int = DEFAULT_MPS
    pair_burst: bool = True
    cap: tuple[str, float] | None = None

    @classmethod
    def of(
        cls,
        services: Services,
        *,
        pair_burst: bool = True,
        cap: tuple[str, float] | None = None,
    ) -> Sender:
        return cls(
            services.graph,
            services.clock,
            services.settings.public_base_url,
            services.pacer,
            services.settings.pace_default_mps,
            pair_burst,
            cap,
        )


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
    """Pace, record, send through Meta, record the outcome; raises `Paced` (nothing written)
    when the send cannot go now, our error for Meta's failure."""
    channel = channel_of(account)
    now = sender.clock.now()
    pace = outbound(
        account,
        str(customer.id),
        outside_window=not is_window_open(customer.last_inbound_at, now),
        marketing=outgoing.marketing,
        burst=sender.pair_burst,
        default_mps=sender.default_mps,
        cap=sender.cap,
    )
    await sender.pacer.acquire(pace, now)
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
                raise meta_refusal(exc, UPLOAD_FAILED).carrying(id=message.id) from None
            await record_media_id(message, media_id)
            body = dict(payload[kind])
            body.pop("link", None)
            payload = {**payload, kind: {**body, "id": media_id}}
        try:
            wamid = await sender.graph.send_message(channel, payload)
        except WhatsAppError as exc:
            # Meta's own Retry-After only: the client fills in a default when it gave none.
            given = exc.retry_after
            given = None if given == DEFAULT_RETRY_AFTER.get(exc.code) else given
            await sender.pacer.slow_down(pace, exc.code, sender.clock.now(), given)
            await failed(exc)
            # The stored attempt's id, so the failure can be looked up with get-message.
            raise meta_refusal(exc, failure_message).carrying(id=message.id) from None
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
    sender: Sender,
    account_id: uuid.UUID,
    to: Recipient,
    profile: Profile,
    reply_to: str | None = None,
) -> tuple[Account, Customer]:
    """The account (with a channel) and the customer, refused unless the window is open and
    `reply_to` (when given) is a message of the customer's conversation."""
    account = await Account.get(id=account_id)
    channel_of(account)
    existing = await to.find(account_id)
    require_open_window(existing.last_inbound_at if existing else None, sender.clock.now())
    await quoted(existing.id if existing else None, reply_to)
    fields = dataclasses.asdict(profile)
    if to.phone is None:
        # A user known only by a BSUID wrote in, so the customer exists: no create by phone.
        assert existing is not None
        return account, await apply_profile(
            existing, sender.clock.now(), failure=PROFILE_INVALID, **fields
        )
    customer = await ensure_customer(
        account_id, to.phone, sender.clock.now(), failure=PROFILE_INVALID, **fields
    )
    return account, customer


async def send_text(
    sender: Sender,
    account_id: uuid.UUID,
    to: Recipient,
    text: str,
    profile: Profile,
    reply_to: str | None = None,
) -> Message:
    """send-text-message: a free-form text inside the 24-hour window, optionally a reply."""
    account, customer = await _prepare(sender, account_id, to, profile, reply_to)
    payload = text_payload(
        address_of(customer), text, preview_url="http://" in text or "https://" in text
    )
    outgoing = Outgoing("text", text, reply_to=reply_to)
    return await send_outbound(
        sender,
        account,
        customer,
        replying(payload, reply_to),
        outgoing,
        failure_message=TEXT_FAILED,
    )


async def send_media(
    sender: Sender,
    account_id: uuid.UUID,
    to: Recipient,
    media_type: MediaType,
    *,
    caption: str | None,
    filename: str | None,
    link: str | None = None,
    data: bytes | None = None,
    profile: Profile,
    reply_to: str | None = None,
) -> Message:
    """send-media-message: an uploaded file (`data`) or a public `link`, inside the window."""
    account, customer = await _prepare(sender, account_id, to, profile, reply_to)
    kind = media_type.kind
    payload = media_payload(
        address_of(customer),
        kind,
        link=link,
        media_id=_UPLOAD_PENDING if link is None else None,
        caption=caption,
        filename=filename,
    )
    media = OutboundMedia(media_type.mime_type, filename=filename, link=link, data=data)
    # WhatsApp shows captions on images, videos and documents only.
    text = caption if kind in ("image", "video", "document") else None
    outgoing = Outgoing(kind, text, media=media, reply_to=reply_to)
    return await send_outbound(
        sender,
        account,
        customer,
        replying(payload, reply_to),
        outgoing,
        failure_message=MEDIA_FAILED,
    )
