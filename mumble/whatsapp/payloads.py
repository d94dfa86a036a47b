"""Meta's exact Cloud API shapes: send request bodies, Graph error bodies and webhook envelopes.

Shared by the adapter (requests it sends) and the sandbox (answers and webhooks it produces).
Shapes: developers.facebook.com/documentation/business-messaging/whatsapp/messages/send-messages
and .../webhooks/reference/messages.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any

MEDIA_KINDS = ("image", "video", "audio", "document", "sticker")
# Captions are accepted on these kinds only; audio and sticker take none.
_CAPTION_KINDS = {"image", "video", "document"}


def recipient(to: str) -> str:
    """Meta's `to`: always the leading "+" and the country code, so no prefix is guessed."""
    digits = to.strip()
    return digits if digits.startswith("+") else "+" + digits


def is_user_id(to: str) -> bool:
    """Whether `to` is a business-scoped user id ("US.13491208655302741918"), not a phone.

    BSUIDs are a country code, a dot and letters or digits; a phone number never holds a
    letter. developers.facebook.com/documentation/business-messaging/whatsapp/
    business-scoped-user-ids
    """
    country, dot, rest = to.partition(".")
    return bool(dot) and len(country) == 2 and country.isalpha() and rest.isalnum()


def _base(to: str, kind: str) -> dict[str, Any]:
    """The common send fields; a BSUID is addressed by `recipient`, a phone by `to`."""
    address = {"recipient": to} if is_user_id(to) else {"to": recipient(to)}
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        **address,
        "type": kind,
    }


def text_payload(to: str, body: str, preview_url: bool = False) -> dict[str, Any]:
    """A text message body."""
    return _base(to, "text") | {"text": {"body": body, "preview_url": preview_url}}


def media_payload(
    to: str,
    kind: str,
    *,
    link: str | None = None,
    media_id: str | None = None,
    caption: str | None = None,
    filename: str | None = None,
) -> dict[str, Any]:
    """An image/video/audio/document/sticker message, by uploaded `media_id` or public `link`."""
    if kind not in MEDIA_KINDS:
        raise ValueError(f"unknown media kind: {kind}")
    if (link is None) == (media_id is None):
        raise ValueError("exactly one of link or media_id is required")
    media: dict[str, Any] = {"id": media_id} if media_id is not None else {"link": link}
    if caption and kind in _CAPTION_KINDS:
        media["caption"] = caption
    if filename and kind == "document":
        media["filename"] = filename
    return _base(to, kind) | {kind: media}


def replying(payload: dict[str, Any], wamid: str | None) -> dict[str, Any]:
    """The send quoting the message `wamid` (Meta's `context.message_id`); as is when None.

    developers.facebook.com/documentation/business-messaging/whatsapp/messages/contextual-replies
    """
    return payload if wamid is None else payload | {"context": {"message_id": wamid}}


def reaction_payload(to: str, wamid: str, emoji: str) -> dict[str, Any]:
    """A reaction on the message `wamid`; an empty `emoji` removes the reaction.

    developers.facebook.com/documentation/business-messaging/whatsapp/messages/reaction-messages
    """
    return _base(to, "reaction") | {"reaction": {"message_id": wamid, "emoji": emoji}}


def interactive_payload(to: str, interactive: dict[str, Any]) -> dict[str, Any]:
    """An interactive message (reply buttons, list, CTA URL) around its `interactive` object."""
    return _base(to, "interactive") | {"interactive": interactive}


def read_receipt(wamid: str, *, typing: bool = False) -> dict[str, Any]:
    """Marks the inbound `wamid` (and earlier ones) read, optionally showing "typing...".

    developers.facebook.com/documentation/business-messaging/whatsapp/messages/
    mark-message-as-read and .../typing-indicators
    """
    body: dict[str, Any] = {"messaging_product": "whatsapp", "status": "read", "message_id": wamid}
    if typing:
        body["typing_indicator"] = {"type": "text"}
    return body


def _header_component(header: dict[str, Any]) -> dict[str, Any]:
    """`header` is {"type": image|video|gif|document, "link"|"id": ..., "filename"?}, or
    {"type": "text", "text": ..., "parameter_name"?} for a TEXT header's variable."""
    kind = header["type"]
    if kind == "text":
        text: dict[str, Any] = {"type": "text", "text": str(header["text"])}
        if header.get("parameter_name"):
            text["parameter_name"] = header["parameter_name"]
        return {"type": "header", "parameters": [text]}
    media = {k: header[k] for k in ("id", "link") if header.get(k)}
    if kind == "document" and header.get("filename"):
        media["filename"] = header["filename"]
    return {"type": "header", "parameters": [{"type": kind, kind: media}]}


def _button_component(button: dict[str, Any], position: int) -> dict[str, Any]:
    """`button`: {"sub_type": url|quick_reply|copy_code, "index": n, "text"|"payload"|...}."""
    sub_type = button.get("sub_type", "url")
    if sub_type == "quick_reply":
        parameter = {"type": "payload", "payload": button["payload"]}
    elif sub_type == "copy_code":
        parameter = {"type": "coupon_code", "coupon_code": button["coupon_code"]}
    else:
        parameter = {"type": "text", "text": button["text"]}
    return {
        "type": "button",
        "sub_type": sub_type,
        "index": str(button.get("index", position)),
        "parameters": [parameter],
    }


def template_payload(
    to: str,
    name: str,
    language_code: str,
    *,
    header: dict[str, Any] | None = None,
    body_params: Sequence[str] | Mapping[str, str] = (),
    buttons: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """A template message: header parameter, body text parameters, buttons.

    `body_params` is the values in order ({{1}}, {{2}}, ...), or for a NAMED template a mapping
    of names to values, sent with Meta's `parameter_name`.
    """
    components: list[dict[str, Any]] = []
    if header:
        components.append(_header_component(header))
    if isinstance(body_params, Mapping):
        parameters = [
            {"type": "text", "parameter_name": name, "text": str(value)}
            for name, value in body_params.items()
        ]
    else:
        parameters = [{"type": "text", "text": str(v)} for v in body_params]
    if parameters:
        components.append({"type": "body", "parameters": parameters})
    components.extend(_button_component(b, i) for i, b in enumerate(buttons))
    template: dict[str, Any] = {"name": name, "language": {"code": language_code}}
    if components:
        template["components"] = components
    return _base(to, "template") | {"template": template}


def send_success(
    to: str, wa_id: str | None, wamid: str, *, user_id: str | None = None
) -> dict[str, Any]:
    """Meta's answer to an accepted send; `user_id` is the recipient's BSUID when known."""
    contact: dict[str, Any] = {"input": to}
    if wa_id:
        contact["wa_id"] = wa_id
    if user_id:
        contact["user_id"] = user_id
    return {
        "messaging_product": "whatsapp",
        "contacts": [contact],
        "messages": [{"id": wamid}],
    }


def graph_error(
    code: int,
    message: str,
    *,
    subcode: int | None = None,
    details: str | None = None,
    error_type: str = "OAuthException",
    fbtrace_id: str | None = None,
) -> dict[str, Any]:
    """A synchronous Graph error body: `message` is prefixed with "(#code)" as Meta does.

    Each answer carries its own `fbtrace_id` (random unless given), as Meta's do.
    developers.facebook.com/docs/graph-api/guides/error-handling
    """
    error: dict[str, Any] = {"message": f"(#{code}) {message}", "type": error_type, "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    error["error_data"] = {"messaging_product": "whatsapp", "details": details or message}
    error["fbtrace_id"] = fbtrace_id or secrets.token_urlsafe(16)[:22]
    return {"error": error}


def webhook_envelope(
    waba_id: str, field: str, value: dict[str, Any], *, time: int | None = None
) -> dict[str, Any]:
    """Meta's webhook envelope around one change."""
    entry: dict[str, Any] = {"id": waba_id, "changes": [{"field": field, "value": value}]}
    if time is not None:
        entry["time"] = time
    return {"object": "whatsapp_business_account", "entry": [entry]}


def messages_value(
    phone_number_id: str,
    display_phone_number: str,
    *,
    contacts: Sequence[dict[str, Any]] = (),
    messages: Sequence[dict[str, Any]] = (),
    statuses: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """The `value` of a `messages` change: inbound messages and/or statuses for one number."""
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": display_phone_number,
            "phone_number_id": phone_number_id,
        },
    }
    if contacts:
        value["contacts"] = list(contacts)
    if messages:
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    return value


# The statuses that carry `pricing` (sent, delivered and read at Meta; never failed or played).
_PRICED = frozenset({"sent", "delivered", "read"})


def status_item(
    wamid: str,
    status: str,
    timestamp: int,
    recipient_id: str | None,
    *,
    category: str = "service",
    errors: Sequence[dict[str, Any]] = (),
    recipient_user_id: str | None = None,
    biz_opaque_callback_data: str | None = None,
    conversation: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One `statuses[]` item: pricing on sent, delivered and read; optional BSUID, the send's
    `biz_opaque_callback_data` and (webhooks before v24) the `conversation` object.

    developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/
    status
    """
    item: dict[str, Any] = {"id": wamid, "status": status, "timestamp": str(timestamp)}
    if recipient_id:
        item["recipient_id"] = recipient_id
    if recipient_user_id:
        item["recipient_user_id"] = recipient_user_id
    if biz_opaque_callback_data is not None:
        item["biz_opaque_callback_data"] = biz_opaque_callback_data
    if conversation is not None:
        item["conversation"] = conversation
    if status in _PRICED:
        item["pricing"] = {
            "billable": category != "service",
            "pricing_model": "PMP",
            "type": "free_customer_service" if category == "service" else "regular",
            "category": category,
        }
    if errors:
        item["errors"] = list(errors)
    return item


def webhook_error(code: int, title: str, details: str) -> dict[str, Any]:
    """The webhook error shape (no `type`, no `fbtrace_id`)."""
    return {
        "code": code,
        "title": title,
        "message": title,
        "error_data": {"details": details},
        "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
    }
