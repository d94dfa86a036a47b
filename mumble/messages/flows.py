"""Free-form sends (send-text-message, send-media-message): window check, profile, pipeline."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from mumble.customers.service import ensure_customer
from mumble.messages.media_types import MediaType
from mumble.messages.service import OutboundMedia, require_open_window, send_outbound
from mumble.models import Account, Customer, Message
from mumble.whatsapp.client import Channel
from mumble.whatsapp.payloads import media_payload, text_payload

TEXT_FAILED = "Failed to send text message."
MEDIA_FAILED = "Failed to send media message."
# Meta's placeholder until the upload answers with the real media id.
_UPLOAD_PENDING = "pending-upload"


@dataclass(frozen=True)
class Profile:
    """The optional customer fields a send may carry (name, email, source, bot_token)."""

    name: str | None = None
    email: str | None = None
    source: str | None = None
    bot_token: str | None = None

    def fields(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "email": self.email,
            "source": self.source,
            "bot_token": self.bot_token,
        }


async def _prepare(
    state: Any, account_id: uuid.UUID, phone: str, profile: Profile
) -> tuple[Account, Customer]:
    """The account (with a channel) and the customer, refused unless the window is open.

    The window is checked before anything is written: a refused send leaves no trace.
    """
    account = await Account.get(id=account_id)
    Channel.of(account)
    existing = await Customer.get_or_none(account_id=account_id, phone=phone)
    require_open_window(existing, state.clock.now())
    customer = await ensure_customer(account_id, phone, **profile.fields())
    return account, customer


async def send_text(
    state: Any, account_id: uuid.UUID, phone: str, text: str, profile: Profile
) -> Message:
    """send-text-message: a free-form text inside the 24-hour window."""
    account, customer = await _prepare(state, account_id, phone, profile)
    payload = text_payload(phone, text, preview_url="http://" in text or "https://" in text)
    return await send_outbound(
        state, account, customer, payload, kind="text", text=text, failure_message=TEXT_FAILED
    )


async def send_media(
    state: Any,
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
    account, customer = await _prepare(state, account_id, phone, profile)
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
    return await send_outbound(
        state,
        account,
        customer,
        payload,
        kind=kind,
        # WhatsApp shows captions on images, videos and documents only.
        text=caption if kind in ("image", "video", "document") else None,
        failure_message=MEDIA_FAILED,
        media=media,
    )
