"""OpenAPI descriptions of the messaging and conversations endpoints."""

from __future__ import annotations

from mumble.messages.media_types import MEDIA_TYPES
from mumble.models.messages import MESSAGE_STATUSES
from mumble.openapi.spec import (
    PAGE,
    PHONE,
    PROFILE,
    Op,
    array,
    boolean,
    integer,
    link,
    nullable,
    obj,
    string,
    success,
)

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
        "direction": string(enum=["inbound", "outbound"]),
        "type": string(),
        "status": string(enum=list(MESSAGE_STATUSES)),
        "error": nullable(obj({"code": nullable(integer()), "message": nullable(string())})),
        "template_id": nullable(string()),
    },
    ("id", "text", "timestamp", "status"),
)

_SENT = success(
    {"id": integer("Our message id."), "message_wa_id": nullable(string(examples=["wamid.abc"]))},
    ("id", "message_wa_id"),
)
_SENT_LINKS = {
    "GetMessage": link("get-message", query={"message_wa_id": "$response.body#/message_wa_id"}),
    "GetMedia": link("media", path={"message_id": "$response.body#/id"}),
}
_WINDOW = "Conversation is closed (send a template instead)"
# Meta's failures: throttling, an account or token problem, or Meta being down.
_META = {429: ("WhatsApp rate limit",), 502: ("The WhatsApp Cloud API failed the send",)}
_IDEMPOTENCY = (
    "Idempotency-Key was already used with a different request",
    "A request with this Idempotency-Key is still in progress",
)
_EXTENSIONS = ", ".join(sorted(MEDIA_TYPES))
_MEDIA_FIELDS = {
    "customer_phone": PHONE,
    "media_url": string("A public http(s) URL of the file.", maxLength=2048),
    "caption": string("Shown under images, videos and documents.", maxLength=1024),
    "filename": string(
        "The file name; gives the type when the URL has no extension.", maxLength=255
    ),
    **PROFILE,
}

OPS: dict[str, Op] = {
    "/send-text-message": Op(
        "Send a free-form text message.",
        "Messaging",
        _SENT,
        {"customer_phone": PHONE, "text": string(maxLength=4096), **PROFILE},
        ("customer_phone", "text"),
        {
            400: ("Missing required parameters.", _WINDOW),
            409: _IDEMPOTENCY,
            **_META,
        },
        "Requires an open 24-hour conversation window (see is-active-conv).",
        idempotent=True,
        links={"GetMessage": _SENT_LINKS["GetMessage"]},
    ),
    "/send-media-message": Op(
        "Send a media message (image, video, audio, document).",
        "Messaging",
        _SENT,
        _MEDIA_FIELDS,
        ("customer_phone",),
        {
            400: (
                "Either file upload or media_url is required.",
                "Missing required parameter: customer_phone",
                "Unsupported file type: .xyz",
                _WINDOW,
            ),
            409: _IDEMPOTENCY,
            **_META,
        },
        "Either a file uploaded as multipart/form-data (field `file`) or a public `media_url`. "
        f"Requires an open 24-hour window. Supported: {_EXTENSIONS}.",
        multipart=obj(
            {
                "file": string("The file.", contentMediaType="application/octet-stream"),
                **_MEDIA_FIELDS,
            },
            ("customer_phone",),
        ),
        idempotent=True,
        links=_SENT_LINKS,
    ),
    "/get-message": Op(
        "Fetch a single message by its WhatsApp id (message_wa_id).",
        "Messaging",
        success({"message": MESSAGE}, ("message",)),
        {"message_wa_id": string(maxLength=255)},
        ("message_wa_id",),
        {400: ("Message WhatsApp Id is required",), 404: ("Message not found",)},
    ),
    "/media/{message_id}": Op(
        "Download a message's stored media file.",
        "Messaging",
        {"description": "The file, with its own content type."},
        errors={404: ("Media not found",)},
        ok_media="*/*",
    ),
    "/get-conversation": Op(
        "Paginated conversation history for a customer.",
        "Conversations",
        success(
            {
                "messages": array(MESSAGE),
                "total": integer(minimum=0),
                "pages": integer(minimum=0),
                "current_page": integer(minimum=1),
            },
            ("messages", "total", "pages", "current_page"),
        ),
        {
            "customer_phone": PHONE,
            "customer_bsuid": string(
                "Names a user known only by a business-scoped id (no phone).", maxLength=160
            ),
            "page": PAGE,
        },
        errors={400: ("Phone number is required.",), 404: ("Customer not found",)},
        description="Give `customer_phone`, or `customer_bsuid` for a user without one.",
    ),
    "/is-active-conv": Op(
        "Check whether a customer's 24-hour conversation window is open.",
        "Conversations",
        success({"is_active": boolean()}, ("is_active",)),
        {"customer_phone": PHONE},
        ("customer_phone",),
        {400: ("Phone number is required.",), 404: ("Customer not found",)},
    ),
}
