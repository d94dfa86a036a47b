"""The send pipeline and message queries.

Contract for TEMPLATES (and anything else that sends):

    async def send_outbound(
        state,                      # request.app.state: uses .graph, .clock, .settings
        account: Account,
        customer: Customer,
        payload: dict,              # Meta's request body (mumble.whatsapp.payloads.*_payload)
        *,
        kind: str,                  # Message.type: "text", "image", ..., "template"
        text: str | None,           # what get-conversation shows as the message text
        failure_message: str,       # the 4xx/5xx message for Meta failures without a mapping
        template_id: uuid.UUID | None = None,
        rendered_body: str | None = None,
        media: OutboundMedia | None = None,
    ) -> Message

It reads top to bottom: store the message `accepted` (committed) -> upload the file when
`media.data` is given (the uploaded id replaces `payload[kind]["id"]`) -> call Meta outside any
transaction -> store `sent` + wamid, record message.sent and apply the statuses parked for that
wamid (Meta's webhooks can beat its answer), or `failed` + reason and record
message.failed, then raise the mapped MumbleError. The 24-hour window is NOT checked here
(templates may go out at any time): free-form senders call `require_open_window` first.
Idempotency-Key handling lives in `mumble.messages.idempotency.run_idempotent`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from tortoise.transactions import in_transaction

from mumble.conversations.window import is_window_open
from mumble.errors import MumbleError, NotFound
from mumble.events.outbox import record_event
from mumble.messages import statuses
from mumble.messages.views import event_data, message_view
from mumble.models import Account, Customer, MediaBlob, Message
from mumble.observability import metrics
from mumble.params import ascii_int
from mumble.whatsapp.client import Channel
from mumble.whatsapp.errors import ACCOUNT_CODES, WhatsAppError, to_mumble_error

WINDOW_CLOSED = "Conversation is closed (send a template instead)"
UPLOAD_FAILED = "Failed to upload media file."


@dataclass(frozen=True)
class OutboundMedia:
    """The file of a media send: uploaded bytes (`data`) or a public `link` Meta fetches."""

    mime_type: str
    filename: str | None = None
    link: str | None = None
    data: bytes | None = None


def require_open_window(customer: Customer | None, now: dt.datetime) -> None:
    """400 "Conversation is closed (send a template instead)" outside the 24-hour window."""
    if customer is None or not is_window_open(customer.last_inbound_at, now):
        raise MumbleError(WINDOW_CLOSED, status=400)


def map_failure(exc: WhatsAppError, failure_message: str) -> MumbleError:
    """Meta's error as our envelope; codes without a specific mapping get `failure_message`."""
    if type(exc) is WhatsAppError and exc.code not in ACCOUNT_CODES:
        details = [f"WhatsApp error {exc.code}: {exc.title}"]
        if exc.details:
            details.append(exc.details)
        status = 502 if exc.http_status >= 500 else 400
        return MumbleError(failure_message, status=status, details=details)
    return to_mumble_error(exc)


async def _record_outcome(
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
            message.wamid, message.status, message.sent_at = wamid, "sent", now
            fields = ["wamid", "status", "sent_at", "updated_at"]
            event = "message.sent"
        else:
            message.status, message.failed_at = "failed", now
            message.error_code = error.code if error is not None else None
            # Tortoise types TextField as str even when null=True.
            message.error_message = reason or (error.title if error else None)  # type: ignore[assignment]
            fields = ["status", "failed_at", "error_code", "error_message", "updated_at"]
            event = "message.failed"
        await message.save(update_fields=fields)
        data = event_data(message, customer, account, base_url=base_url)
        await record_event(account.id, event, data, customer_id=customer.id)
        if wamid is not None:
            # Status webhooks may have beaten Meta's answer: apply what was parked for this wamid
            # in this same transaction, so a status arriving meanwhile cannot jump the queue.
            await statuses.apply_parked(message, base_url=base_url)
    metrics.count_message("outbound", "sent" if wamid is not None else "failed")


async def send_outbound(
    state: Any,
    account: Account,
    customer: Customer,
    payload: dict[str, Any],
    *,
    kind: str,
    text: str | None,
    failure_message: str,
    template_id: uuid.UUID | None = None,
    rendered_body: str | None = None,
    media: OutboundMedia | None = None,
) -> Message:
    """Record, send through Meta, record the outcome; raises the mapped MumbleError on failure."""
    channel = Channel.of(account)
    base_url = state.settings.public_base_url
    now = state.clock.now()
    async with in_transaction():
        message = await Message.create(
            account_id=account.id,
            customer_id=customer.id,
            direction="outbound",
            type=kind,
            text=text,
            status="accepted",
            template_id=template_id,
            rendered_body=rendered_body,
            media_mime=media.mime_type if media else None,
            media_filename=media.filename if media else None,
            media_link=media.link if media else None,
            media_state="fetched" if media and media.data is not None else "none",
            occurred_at=now,
        )
        if media is not None and media.data is not None:
            await MediaBlob.create(
                message_id=message.id,
                mime_type=media.mime_type,
                size=len(media.data),
                data=media.data,
            )
    # The row is committed: whatever happens next, the attempt is on record.
    metrics.count_message("outbound", "accepted")
    try:
        if media is not None and media.data is not None:
            try:
                media_id = await state.graph.upload_media(
                    channel, media.data, media.mime_type, media.filename or f"file.{kind}"
                )
            except WhatsAppError as exc:
                await _record_outcome(
                    message, customer, account, base_url, now=now, error=exc, reason=exc.title
                )
                raise map_failure(exc, UPLOAD_FAILED) from None
            message.media_id = media_id
            await message.save(update_fields=["media_id", "updated_at"])
            body = dict(payload[kind])
            body.pop("link", None)
            payload = {**payload, kind: {**body, "id": media_id}}
        try:
            wamid = await state.graph.send_message(channel, payload)
        except WhatsAppError as exc:
            await _record_outcome(message, customer, account, base_url, now=now, error=exc)
            raise map_failure(exc, failure_message) from None
    except MumbleError:
        raise
    except BaseException:
        # A bug or a cancellation: never leave the row claiming it is still on its way.
        if message.status == "accepted":
            await _record_outcome(
                message, customer, account, base_url, now=now, reason="Send interrupted"
            )
        raise
    await _record_outcome(message, customer, account, base_url, now=now, wamid=wamid)
    await message.refresh_from_db()
    return message


async def get_message(account_id: uuid.UUID, wamid: str, *, base_url: str) -> dict[str, Any]:
    """get-message: the account's message with this wamid; 404 "Message not found"."""
    message = (
        await Message.filter(account_id=account_id, wamid=wamid)
        .select_related("customer", "account")
        .first()
    )
    if message is None:
        raise NotFound("Message not found")
    return message_view(message, message.customer, message.account, base_url=base_url)


async def media_file(account_id: uuid.UUID, message_id: str) -> tuple[bytes, str, str | None]:
    """The stored media of one of the account's messages: (bytes, mime type, file name)."""
    number = ascii_int(message_id)
    if number is None:
        raise NotFound("Media not found")
    message = await Message.get_or_none(id=number, account_id=account_id)
    blob = await MediaBlob.get_or_none(message_id=message.id) if message else None
    if message is None or blob is None:
        raise NotFound("Media not found")
    return bytes(blob.data), blob.mime_type, message.media_filename
