"""The message object as the API shows it, and the answer of a send."""

from __future__ import annotations

from mumble.models.messages import MESSAGE_STATUSES
from mumble.models.states import Direction
from mumble.openapi.schema import (
    Schema,
    array,
    boolean,
    integer,
    link,
    nullable,
    obj,
    string,
    success,
)


def _moment(description: str) -> Schema:
    return nullable(string(f"{description} RFC 3339 UTC; null until then.", format="date-time"))


MESSAGE = obj(
    {
        "id": integer(),
        "message_wa_id": nullable(string("WhatsApp's message id (wamid).")),
        "from": nullable(string()),
        "to": nullable(string()),
        "text": nullable(string()),
        "is_img": boolean(),
        "is_video": boolean(),
        "is_audio": boolean(),
        "is_pdf": boolean("A document whose type is application/pdf (other documents: false)."),
        "is_sticker": boolean(),
        "is_geo_location": boolean(),
        "media_url": nullable(
            string(
                "Our media URL once the file is stored (relative, /mumbleapi/media/{id}, unless "
                "MUMBLE_PUBLIC_BASE_URL is set), else the file's link."
            )
        ),
        "mime_type": nullable(string()),
        "filename": nullable(string()),
        "timestamp": integer("Epoch seconds."),
        "direction": string(enum=[direction.value for direction in Direction]),
        "type": string(),
        "status": string(enum=list(MESSAGE_STATUSES)),
        "error": nullable(
            obj(
                {
                    "code": nullable(integer("Meta's error code.")),
                    "message": nullable(string("What Meta said.")),
                    "title": nullable(string("Meta's title for the code.")),
                    "hint": nullable(string("What to do about it, when we know.")),
                },
                ("code", "message", "title", "hint"),
            )
        ),
        "sent_at": _moment("Meta accepted it (outbound)."),
        "delivered_at": _moment("It reached the customer's phone."),
        "read_at": _moment("The customer read (or played) it."),
        "failed_at": _moment("It failed."),
        "template_id": nullable(string()),
        "choice": nullable(
            obj(
                {"id": string(), "title": nullable(string())},
                ("id", "title"),
                "The customer's choice: the id and title of the reply button or list row "
                "(a template quick reply: its payload and text).",
            )
        ),
        "reply_to": nullable(
            string(
                "The wamid this message answers: the message a reply quotes or a reaction is on."
            )
        ),
        "bot": nullable(
            obj(
                {"type": string(enum=["flow", "AI"]), "id": nullable(string())},
                ("type", "id"),
                "The bot that sent it: a flow bot (with its id) or the AI bot; null otherwise.",
            )
        ),
    },
    ("id", "text", "timestamp", "status"),
)
MESSAGES = array(MESSAGE)
SENT = success(
    {"id": integer("Our message id."), "message_wa_id": nullable(string(examples=["wamid.abc"]))},
    ("id", "message_wa_id"),
)
GET_MESSAGE_LINK = link("get-message", query={"message_wa_id": "$response.body#/message_wa_id"})
GET_MEDIA_LINK = link("media", path={"message_id": "$response.body#/id"})
