"""The message object as the API shows it, and the answer of a send."""

from __future__ import annotations

from mumble.models.messages import MESSAGE_STATUSES
from mumble.models.states import Direction
from mumble.openapi.schema import array, boolean, integer, link, nullable, obj, string, success

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
        "is_pdf": boolean(),
        "is_sticker": boolean(),
        "is_geo_location": boolean(),
        "media_url": nullable(string("Our media URL once the file is stored, else its link.")),
        "mime_type": nullable(string()),
        "filename": nullable(string()),
        "timestamp": integer("Epoch seconds."),
        "direction": string(enum=[direction.value for direction in Direction]),
        "type": string(),
        "status": string(enum=list(MESSAGE_STATUSES)),
        "error": nullable(obj({"code": nullable(integer()), "message": nullable(string())})),
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
