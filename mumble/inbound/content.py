"""What an inbound message says: Meta's per-type message object as our type, text and media.

Shapes: developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/
messages (text, media, location, contacts, interactive, button, reaction, order, system,
unsupported). Pure functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mumble.models.messages import WAMID_MAX

MEDIA_TYPES = ("image", "video", "audio", "document", "sticker")
KNOWN_TYPES = frozenset(
    {
        *MEDIA_TYPES,
        "text",
        "location",
        "contacts",
        "interactive",
        "button",
        "reaction",
        "order",
        "system",
        "unsupported",
    }
)


@dataclass(frozen=True)
class Content:
    type: str
    text: str | None
    media_id: str | None = None
    mime_type: str | None = None
    filename: str | None = None
    error_code: int | None = None
    error_message: str | None = None
    # The wamid answered: a reply's `context.id`, or the message a reaction is on.
    reply_to: str | None = None
    # The id of the button or list row chosen (a template quick reply: its payload).
    choice_id: str | None = None


def _obj(message: dict[str, Any], key: str) -> dict[str, Any]:
    value = message.get(key)
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value != "" else None


def _location_text(loc: dict[str, Any]) -> str | None:
    named = ", ".join(p for p in (_str(loc.get("name")), _str(loc.get("address"))) if p)
    if named:
        return named
    lat, lng = loc.get("latitude"), loc.get("longitude")
    return f"{lat},{lng}" if lat is not None and lng is not None else None


def _contacts_text(cards: Any) -> str | None:
    if not isinstance(cards, list):
        return None
    names = []
    for card in cards:
        name = card.get("name") if isinstance(card, dict) else None
        if isinstance(name, dict) and _str(name.get("formatted_name")):
            names.append(name["formatted_name"])
    return ", ".join(names) or None


def _interactive_text(inter: dict[str, Any]) -> str | None:
    kind = inter.get("type")
    reply = inter.get(kind) if isinstance(kind, str) else None
    if not isinstance(reply, dict):
        return None
    return _str(reply.get("title")) or _str(reply.get("body")) or _str(reply.get("name"))


def _choice_id(kind: str, body: dict[str, Any]) -> str | None:
    """The chosen button's or row's id (`interactive`), or a quick reply's payload (`button`)."""
    if kind == "button":
        return _str(body.get("payload"))
    if kind != "interactive":
        return None
    reply_kind = body.get("type")
    if reply_kind not in ("button_reply", "list_reply"):
        return None
    return _str(_obj(body, reply_kind).get("id"))


def _first_error(message: dict[str, Any]) -> tuple[int | None, str | None]:
    errors = message.get("errors")
    if not isinstance(errors, list) or not errors or not isinstance(errors[0], dict):
        return None, None
    error = errors[0]
    code = error.get("code")
    details = _obj(error, "error_data").get("details")
    text = _str(details) or _str(error.get("message")) or _str(error.get("title"))
    return (code if isinstance(code, int) else None), text


def _reply_to(message: dict[str, Any], kind: str, body: dict[str, Any]) -> str | None:
    """What the message answers: a reaction's target, else the quoted message (`context.id`).

    A forwarded message's `context` carries no `id`, so it answers nothing; an id longer than
    a wamid column holds names no message of ours.
    """
    if kind == "reaction":
        wamid = _str(body.get("message_id"))
    else:
        wamid = _str(_obj(message, "context").get("id"))
    return wamid if wamid is not None and len(wamid) <= WAMID_MAX else None


def parse_content(message: dict[str, Any]) -> Content:
    """Our view of an inbound message object; unknown types are kept as `unsupported`."""
    kind = message.get("type")
    kind = kind if isinstance(kind, str) and kind in KNOWN_TYPES else "unsupported"
    body = _obj(message, kind)
    code, error = _first_error(message)
    reply_to = _reply_to(message, kind, body)
    if kind in MEDIA_TYPES:
        return Content(
            kind,
            _str(body.get("caption")),
            media_id=_str(body.get("id")),
            mime_type=_str(body.get("mime_type")),
            filename=_str(body.get("filename")),
            reply_to=reply_to,
        )
    readers: dict[str, Callable[[], str | None]] = {
        "text": lambda: _str(body.get("body")),
        "location": lambda: _location_text(body),
        "contacts": lambda: _contacts_text(message.get("contacts")),
        "interactive": lambda: _interactive_text(body),
        "button": lambda: _str(body.get("text")) or _str(body.get("payload")),
        "reaction": lambda: _str(body.get("emoji")),
        "order": lambda: _str(body.get("text")),
        "system": lambda: _str(body.get("body")),
        "unsupported": lambda: None,
    }
    text = readers[kind]()
    return Content(
        kind,
        text,
        error_code=code,
        error_message=error,
        reply_to=reply_to,
        choice_id=_choice_id(kind, body),
    )


def meta_time(raw: Any, now: dt.datetime) -> dt.datetime:
    """Meta's timestamp (a string of Unix seconds) as a UTC datetime, never later than `now`."""
    try:
        when = dt.datetime.fromtimestamp(int(raw), dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return now
    return min(when, now)
