"""Builds the inbound customer messages the sandbox delivers, one per Cloud API message type."""

from __future__ import annotations

import secrets
from typing import Any

import templates_meta
from mumble.sandbox.media import store_media
from mumble.sandbox.state import State, new_wamid

MESSAGE_TYPES = (
    "text",
    "image",
    "video",
    "audio",
    "document",
    "sticker",
    "location",
    "contacts",
    "interactive",
    "button",
    "reaction",
    "unsupported",
)
# A voice note is OGG/Opus at Meta (developers.facebook.com/documentation/business-messaging/
# whatsapp/messages/audio-messages); other media default to the first type the media table lists.
_VOICE_MIME = "audio/ogg; codecs=opus"


def _default_mime(kind: str, spec: dict[str, Any]) -> str:
    if kind == "audio" and spec.get("voice"):
        return _VOICE_MIME
    book = templates_meta.load()
    pdf = book.media_for_extension("pdf")
    if kind == "document" and pdf is not None:
        return pdf.mime_type
    return book.media_mime_types(kind)[0]


def _media_object(state: State, kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    mime = str(spec.get("mime_type") or _default_mime(kind, spec))
    if spec.get("media_id") and spec["media_id"] in state.media:
        media = state.media[spec["media_id"]]
    else:
        data = spec.get("content_bytes") or f"sandbox {kind} {secrets.token_hex(4)}".encode()
        media = store_media(state, data, mime, spec.get("filename"))
    obj: dict[str, Any] = {"mime_type": media.mime_type, "sha256": media.sha256, "id": media.id}
    if spec.get("caption") and kind in ("image", "video", "document"):
        obj["caption"] = spec["caption"]
    if kind == "document":
        obj["filename"] = spec.get("filename") or "document.pdf"
    if kind == "audio":
        obj["voice"] = bool(spec.get("voice", False))
    if kind == "sticker":
        obj["animated"] = bool(spec.get("animated", False))
    return obj


def _typed_object(state: State, kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    if kind == "text":
        return {"body": str(spec.get("text", "Hello"))}
    if kind in templates_meta.load().media:
        return _media_object(state, kind, spec)
    if kind == "location":
        obj = {
            "latitude": spec.get("latitude", 32.0853),
            "longitude": spec.get("longitude", 34.7818),
        }
        # `name` is the customer's profile name, so the place's name is `location_name`.
        for key, field in (("name", "location_name"), ("address", "address"), ("url", "url")):
            if spec.get(field):
                obj[key] = spec[field]
        return obj
    if kind == "interactive":
        reply = str(spec.get("reply_type", "button_reply"))
        answer = {"id": spec.get("reply_id", "opt_1"), "title": spec.get("reply_title", "Yes")}
        if reply == "list_reply":
            answer["description"] = spec.get("reply_description", "")
        return {"type": reply, reply: answer}
    if kind == "button":
        return {"payload": spec.get("payload", "YES"), "text": spec.get("button_text", "Yes")}
    if kind == "reaction":
        obj = {"message_id": spec.get("message_id", "wamid.unknown")}
        if spec.get("emoji", "\U0001f44d"):
            obj["emoji"] = spec.get("emoji", "\U0001f44d")
        return obj
    if kind == "unsupported":
        return {"type": spec.get("unsupported_type", "edit")}
    raise ValueError(kind)


def _contacts_list(spec: dict[str, Any]) -> list[dict[str, Any]]:
    if isinstance(spec.get("contacts"), list):
        return list(spec["contacts"])
    return [
        {
            "name": {"formatted_name": "Jane Roe", "first_name": "Jane", "last_name": "Roe"},
            "phones": [{"phone": "+1 650 555 0199", "wa_id": "16505550199", "type": "CELL"}],
        }
    ]


def build_message(
    state: State, spec: dict[str, Any], timestamp: int, *, user_ids: bool = False
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(contact, message) for a control request; `from` absent means a BSUID-only user.

    With `user_ids`, phone users carry their BSUID too, as Meta's webhooks do
    (developers.facebook.com/documentation/business-messaging/whatsapp/business-scoped-user-ids).
    """
    kind = str(spec.get("type", "text"))
    if kind not in MESSAGE_TYPES:
        raise ValueError(f"unknown message type: {kind}")
    phone = str(spec["from"]) if spec.get("from") else None
    name = spec.get("name", "Sandbox Customer")
    message: dict[str, Any] = {"timestamp": str(timestamp), "type": kind}
    if phone and not user_ids and not spec.get("user_id"):
        contact: dict[str, Any] = {"profile": {"name": name}, "wa_id": phone}
        message["from"] = phone
    else:
        user = state.user(wa_id=phone, user_id=spec.get("user_id"))
        assert user is not None  # create=True
        if spec.get("parent_user_id"):
            user.parent_user_id = str(spec["parent_user_id"])
        contact = user.contact(name)
        if phone:
            message["from"] = phone
        message["from_user_id"] = user.user_id
        if user.parent_user_id:
            message["from_parent_user_id"] = user.parent_user_id
    message["id"] = spec.get("id") or new_wamid(str(phone or contact["user_id"]))
    if spec.get("username"):
        contact["profile"]["username"] = spec["username"]
    if kind == "contacts":
        message["contacts"] = _contacts_list(spec)
    elif isinstance(spec.get(kind), dict):
        message[kind] = spec[kind]  # a raw object given by the caller wins
    else:
        message[kind] = _typed_object(state, kind, spec)
    if kind == "unsupported":
        message["errors"] = [
            {
                "code": 131051,
                "title": "Message type unknown",
                "message": "Message type unknown",
                "error_data": {"details": "Message type is currently not supported."},
            }
        ]
    context = spec.get("context")
    if isinstance(context, dict):
        message["context"] = context
    elif kind in ("interactive", "button") and spec.get("context_id"):
        message["context"] = {
            "from": state.channel(spec["phone_number_id"]).display_phone_number,
            "id": spec["context_id"],
        }
    return contact, message
