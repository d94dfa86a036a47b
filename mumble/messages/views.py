"""How a message looks in the API (get-message, get-conversation) and in message.* events."""

from __future__ import annotations

from typing import Any

from mumble.clock import rfc3339
from mumble.messages.failures import failure_view
from mumble.models import Account, Customer, Message
from mumble.models.states import Direction, MediaState, MessageStatus

MEDIA_PATH = "/mumbleapi/media/{id}"


def media_path(message_id: int) -> str:
    """Our server's path that serves a message's stored media file."""
    return MEDIA_PATH.format(id=message_id)


def _media_url(message: Message, base_url: str) -> str | None:
    # Fetched: the file is stored with us (an upload, or inbound media once downloaded).
    if message.media_state == MediaState.FETCHED:
        return base_url.rstrip("/") + media_path(message.id)
    # A by-URL send: the file lives where the integrator put it.
    return message.media_link


def _is_pdf(mime_type: str | None) -> bool:
    # Inbound types come from Meta as sent ("application/pdf", perhaps with parameters).
    return (mime_type or "").split(";", 1)[0].strip().lower() == "application/pdf"


def _party(customer: Customer) -> str | None:
    return customer.phone or customer.bsuid


def _business(account: Account) -> str | None:
    return account.display_phone or account.phone_number_id


def message_view(
    message: Message, customer: Customer, account: Account, *, base_url: str
) -> dict[str, Any]:
    """The reference's message object plus direction, type, status, when each status happened,
    and for a failure Meta's code, title and a hint."""
    inbound = message.direction == Direction.INBOUND
    kind = message.type
    return {
        "id": message.id,
        "message_wa_id": message.wamid,
        "from": _party(customer) if inbound else _business(account),
        "to": _business(account) if inbound else _party(customer),
        "text": message.text,
        "is_img": kind == "image",
        "is_video": kind == "video",
        "is_audio": kind == "audio",
        "is_pdf": kind == "document" and _is_pdf(message.media_mime),
        "is_sticker": kind == "sticker",
        "is_geo_location": kind == "location",
        "media_url": _media_url(message, base_url),
        "mime_type": message.media_mime,
        "filename": message.media_filename,
        "timestamp": int(message.occurred_at.timestamp()),
        "direction": message.direction,
        "type": kind,
        "status": message.status,
        "error": (
            failure_view(message.error_code, message.error_message)
            if message.status == MessageStatus.FAILED
            else None
        ),
        # When each status happened (Meta's time for webhooks), RFC 3339 UTC; null until then.
        "sent_at": rfc3339(message.sent_at),
        "delivered_at": rfc3339(message.delivered_at),
        "read_at": rfc3339(message.read_at),
        "failed_at": rfc3339(message.failed_at),
        "template_id": str(message.template_id) if message.template_id else None,
        "reply_to": message.reply_to,
        "choice": (
            {"id": message.choice_id, "title": message.text}
            if message.choice_id is not None
            else None
        ),
        # The bot that sent it ("flow" with the bot's id, or "AI"); null for any other message.
        "bot": (
            {"type": message.bot_kind, "id": str(message.bot_id) if message.bot_id else None}
            if message.bot_kind
            else None
        ),
    }


def event_data(
    message: Message, customer: Customer, account: Account, *, base_url: str
) -> dict[str, Any]:
    """The payload of a message.* event: the get-message object plus the customer's phone."""
    view = message_view(message, customer, account, base_url=base_url)
    return {**view, "customer_phone": customer.phone, "customer_bsuid": customer.bsuid}
