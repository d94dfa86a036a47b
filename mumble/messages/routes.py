"""HTTP routes of the messages API: send-text-message, send-media-message, get-message, media."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import orjson
from starlette.responses import Response

from mumble.endpoint import Call, api_route
from mumble.errors import BadRequest
from mumble.messages import flows, service
from mumble.messages.idempotency import run_idempotent
from mumble.messages.media_types import media_type_for
from mumble.messages.upload import MediaFormReader, file_digest, read_file
from mumble.params import optional_str, required_phone, required_str

TEXT_MAX = 4096
CAPTION_MAX = 1024
MISSING_TEXT_PARAMS = "Missing required parameters."
MISSING_PHONE = "Missing required parameter: customer_phone"
MISSING_MEDIA = "Either file upload or media_url is required."


def base_url(call: Call) -> str:
    """Where our media URLs point: the configured public URL, else the URL the client used."""
    return call.settings.public_base_url or str(call.request.base_url)


def _profile(params: dict[str, Any]) -> flows.Profile:
    return flows.Profile(
        name=optional_str(params, "name", allow_empty=False),
        email=optional_str(params, "email", max_length=254, allow_empty=False),
        source=optional_str(params, "source", allow_empty=False),
        bot_token=optional_str(params, "bot_token", allow_empty=False),
    )


def _sent(message: Any) -> dict[str, Any]:
    return {"success": True, "id": message.id, "message_wa_id": message.wamid}


async def send_text_message(call: Call) -> dict[str, Any] | Response:
    async def operation() -> dict[str, Any]:
        phone = required_phone(call.params, MISSING_TEXT_PARAMS)
        text = required_str(call.params, "text", MISSING_TEXT_PARAMS, max_length=TEXT_MAX)
        message = await flows.send_text(
            call.request.app.state, call.principal.account_id, phone, text, _profile(call.params)
        )
        return _sent(message)

    return await run_idempotent(call, operation)


def _media_url(raw: str) -> str:
    try:
        parts = urlsplit(raw)
    except ValueError:  # "http://[::1/a.jpg": an unclosed IPv6 bracket (a 500 before)
        raise BadRequest("media_url must be an http(s) URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadRequest("media_url must be an http(s) URL")
    return raw


async def _send_media(call: Call, params: dict[str, Any], upload: Any) -> dict[str, Any]:
    media_url = optional_str(params, "media_url", max_length=2048, allow_empty=False)
    if upload is None and media_url is None:
        raise BadRequest(MISSING_MEDIA)
    phone = required_phone(params, MISSING_PHONE)
    caption = optional_str(params, "caption", max_length=CAPTION_MAX, allow_empty=False)
    filename = optional_str(params, "filename", max_length=255, allow_empty=False)
    state = call.request.app.state
    account_id = call.principal.account_id
    if upload is not None:
        file = await read_file(upload, filename)
        message = await flows.send_media(
            state,
            account_id,
            phone,
            file.media_type,
            caption=caption,
            filename=filename or file.filename,
            data=file.data,
            profile=_profile(params),
        )
    else:
        assert media_url is not None
        link = _media_url(media_url)
        media_type = media_type_for(link, filename)
        message = await flows.send_media(
            state,
            account_id,
            phone,
            media_type,
            caption=caption,
            filename=filename,
            link=link,
            profile=_profile(params),
        )
    return _sent(message)


async def send_media_message(call: Call) -> dict[str, Any] | Response:
    content_type = call.request.headers.get("content-type", "").lower()
    if not content_type.startswith("multipart/"):
        return await run_idempotent(call, lambda: _send_media(call, call.params, None))
    async with MediaFormReader(call.request, call.settings.max_upload_bytes) as form:
        params = {**call.params, **form.fields}
        extra = orjson.dumps(form.fields, option=orjson.OPT_SORT_KEYS)
        if form.file is not None:
            # The file's digest goes into the fingerprint: same key + another file is a 409.
            extra += f"\n{form.file.filename}\n".encode() + await file_digest(form.file)
        return await run_idempotent(call, lambda: _send_media(call, params, form.file), extra=extra)


async def get_message(call: Call) -> dict[str, Any]:
    wamid = required_str(
        call.params, "message_wa_id", "Message WhatsApp Id is required", max_length=255
    )
    view = await service.get_message(call.principal.account_id, wamid, base_url=base_url(call))
    return {"success": True, "message": view}


async def get_media(call: Call) -> Response:
    data, mime_type, filename = await service.media_file(
        call.principal.account_id, str(call.request.path_params["message_id"])
    )
    headers = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"}
    if filename:
        safe = filename.replace('"', "").replace("\\", "").replace("\r", "").replace("\n", "")
        headers["Content-Disposition"] = f'inline; filename="{safe}"'
    return Response(data, media_type=mime_type, headers=headers)


routes = [
    api_route(
        "/send-text-message",
        send_text_message,
        methods=["POST"],
        permission="messages:send",
        action="send text messages",
        messaging=True,
    ),
    api_route(
        "/send-media-message",
        send_media_message,
        methods=["POST"],
        permission="messages:send",
        action="send media messages",
        messaging=True,
    ),
    api_route("/get-message", get_message, methods=["GET"], permission="messages:read"),
    api_route(
        "/media/{message_id}",
        get_media,
        methods=["GET"],
        permission="messages:read",
        action="read messages",
    ),
]
