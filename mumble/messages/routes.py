"""The messages API: send-text-message, send-media-message, get-message and the media file."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from mumble.bots import ownership
from mumble.channels.errors import failure_refusals
from mumble.customers.window import WINDOW_CLOSED
from mumble.endpoint import Call, Endpoint, Upload, api_route
from mumble.errors import BadRequest, Refusal
from mumble.messages import flows, media_types, service
from mumble.messages.media_headers import download_headers, served_type
from mumble.messages.params import PROFILE, SEND_ERRORS, either, profile_of, recipient_of
from mumble.messages.replies import REPLY_NOT_FOUND, REPLY_TO
from mumble.messages.schemas import GET_MEDIA_LINK, GET_MESSAGE_LINK, MESSAGE, SENT
from mumble.messages.upload import read_file
from mumble.openapi.schema import success
from mumble.params import bounded_int, phone, required_text, text
from mumble.urlguard import is_http_url

TAG = "Messaging"
TEXT_MAX = 4096
CAPTION_MAX = 1024
MEDIA_URL_MAX = 2048
FILENAME_MAX = 255
MISSING_TEXT_PARAMS = "Missing required parameters."
MISSING_MEDIA = Refusal(BadRequest, "Either file upload or media_url is required.")
BAD_MEDIA_URL = Refusal(BadRequest, "media_url must be an http(s) URL")
# A free-form send is refused outside the window before anything else happens.
_SEND_ERRORS = (WINDOW_CLOSED, *SEND_ERRORS)

TEXT_PHONE, TEXT_USER_ID = either(phone(missing=MISSING_TEXT_PARAMS))
TEXT = required_text("text", MISSING_TEXT_PARAMS, max_length=TEXT_MAX)

SEND_TEXT = Endpoint(
    "POST",
    "/send-text-message",
    "messages:send",
    "Send a free-form text message.",
    TAG,
    SENT,
    params=(TEXT_PHONE, TEXT_USER_ID, TEXT, REPLY_TO, *PROFILE),
    errors=(*_SEND_ERRORS, REPLY_NOT_FOUND, *failure_refusals(flows.TEXT_FAILED)),
    action="send text messages",
    description="Requires an open 24-hour conversation window (see is-active-conv). With "
    "`reply_to` (a wamid of this customer's conversation) the message quotes that one.",
    messaging=True,
    idempotent=True,
    links={"GetMessage": GET_MESSAGE_LINK},
)


async def send_text_message(call: Call) -> dict[str, Any]:
    to = recipient_of(call, TEXT_PHONE)
    message = await flows.send_text(
        flows.Sender.of(call.services),
        call.account_id,
        to,
        call.arg(TEXT),
        profile_of(call),
        reply_to=call.arg(REPLY_TO),
    )
    await ownership.after_human_send(call.account_id, message.customer_id, call.now())  # type: ignore[attr-defined]
    return {"success": True, "id": message.id, "message_wa_id": message.wamid}


MEDIA_PHONE, MEDIA_USER_ID = either(phone(missing="Missing required parameter: customer_phone"))
MEDIA_URL = text(
    "media_url", max_length=MEDIA_URL_MAX, description="A public http(s) URL of the file."
)
CAPTION = text(
    "caption", max_length=CAPTION_MAX, description="Shown under images, videos and documents."
)
FILENAME = text(
    "filename",
    max_length=FILENAME_MAX,
    description="The file name; gives the type when the URL has no extension.",
)

SEND_MEDIA = Endpoint(
    "POST",
    "/send-media-message",
    "messages:send",
    "Send a media message (image, video, audio, document).",
    TAG,
    SENT,
    params=(MEDIA_PHONE, MEDIA_USER_ID, MEDIA_URL, CAPTION, FILENAME, REPLY_TO, *PROFILE),
    errors=(
        MISSING_MEDIA,
        BAD_MEDIA_URL,
        *media_types.REFUSALS,
        *_SEND_ERRORS,
        REPLY_NOT_FOUND,
        *failure_refusals(flows.MEDIA_FAILED),
        *failure_refusals(flows.UPLOAD_FAILED),
    ),
    action="send media messages",
    description="Either a file uploaded as multipart/form-data (field `file`) or a public "
    f"`media_url`. Requires an open 24-hour window; `reply_to` quotes a message of the "
    f"conversation. Supported: {media_types.ACCEPTED}. "
    "The reference also lists .mov and .wav: WhatsApp accepts neither QuickTime nor WAV, so they "
    "are refused (400) before anything is sent; convert them to .mp4 or .ogg/.opus first.",
    messaging=True,
    idempotent=True,
    upload=Upload(),
    links={"GetMessage": GET_MESSAGE_LINK, "GetMedia": GET_MEDIA_LINK},
)


async def send_media_message(call: Call) -> dict[str, Any]:
    media_url = call.arg(MEDIA_URL)
    if call.upload is None and media_url is None:
        raise MISSING_MEDIA()
    to = recipient_of(call, MEDIA_PHONE)
    caption = call.arg(CAPTION)
    filename = media_types.checked_filename(call.arg(FILENAME))
    sender = flows.Sender.of(call.services)
    if call.upload is not None:
        file = await read_file(call.upload, filename)
        message = await flows.send_media(
            sender,
            call.account_id,
            to,
            file.media_type,
            caption=caption,
            filename=filename or file.filename,
            data=file.data,
            profile=profile_of(call),
            reply_to=call.arg(REPLY_TO),
        )
    else:
        assert media_url is not None
        if not is_http_url(media_url):
            raise BAD_MEDIA_URL()
        media_type = media_types.media_type_for(media_url, filename)
        message = await flows.send_media(
            sender,
            call.account_id,
            to,
            media_type,
            caption=caption,
            filename=filename,
            link=media_url,
            profile=profile_of(call),
            reply_to=call.arg(REPLY_TO),
        )
    await ownership.after_human_send(call.account_id, message.customer_id, call.now())  # type: ignore[attr-defined]
    return {"success": True, "id": message.id, "message_wa_id": message.wamid}


WAMID_REQUIRED = Refusal(BadRequest, "Message WhatsApp Id is required")
WAMID = text("message_wa_id", max_length=255, description="WhatsApp's message id (wamid).")
MESSAGE_ID = bounded_int(
    "id",
    default=0,
    minimum=1,
    maximum=10**18 - 1,
    description="Our message id (a send's `id`, also in a failed send's error), instead of "
    "`message_wa_id`.",
)

GET_MESSAGE = Endpoint(
    "GET",
    "/get-message",
    "messages:read",
    "Fetch a single message by its WhatsApp id (message_wa_id) or our id (id).",
    TAG,
    success({"message": MESSAGE}, ("message",)),
    params=(WAMID, MESSAGE_ID),
    errors=(WAMID_REQUIRED, service.MESSAGE_NOT_FOUND),
    description="A send that failed at WhatsApp has no wamid: its error carries our `id`. With "
    "both, the message must match both.",
)


async def get_message(call: Call) -> dict[str, Any]:
    message_id = call.arg(MESSAGE_ID) or None
    wamid = call.arg(WAMID)
    if message_id is None and wamid is None:
        raise WAMID_REQUIRED()
    view = await service.get_message(
        call.account_id, wamid, message_id=message_id, base_url=call.media_base_url
    )
    return {"success": True, "message": view}


GET_MEDIA = Endpoint(
    "GET",
    "/media/{message_id}",
    "messages:read",
    "Download a message's stored media file.",
    TAG,
    {"description": "The file as an attachment, with its own content type, never run."},
    errors=(service.MEDIA_NOT_FOUND,),
    action="read messages",
    ok_media="*/*",
)


async def get_media(call: Call) -> Response:
    data, mime_type, filename = await service.media_file(
        call.account_id, str(call.request.path_params["message_id"])
    )
    return Response(data, media_type=served_type(mime_type), headers=download_headers(filename))


routes = [
    api_route(SEND_TEXT, send_text_message),
    api_route(SEND_MEDIA, send_media_message),
    api_route(GET_MESSAGE, get_message),
    api_route(GET_MEDIA, get_media),
]
