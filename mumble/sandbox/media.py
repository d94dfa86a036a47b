"""Sandbox media: upload, URL lookup, download and delete, by Meta's media table.

What Meta accepts, and up to what size, comes from `templates_meta` (the one table of Meta's media
facts): developers.facebook.com/documentation/business-messaging/whatsapp/business-phone-numbers/
media#supported-media-types.
"""

from __future__ import annotations

import hashlib

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

import templates_meta
from mumble.sandbox.http import error, sandbox_of
from mumble.sandbox.state import Media, State, new_numeric_id


def store_media(state: State, data: bytes, mime_type: str, filename: str | None = None) -> Media:
    """Keep a file under a new media id, as an upload or a customer's attachment does."""
    media = Media(
        id=new_numeric_id(),
        data=data,
        mime_type=mime_type,
        sha256=hashlib.sha256(data).hexdigest(),
        filename=filename,
    )
    state.media[media.id] = media
    return media


def unsupported_type(mime: str) -> Response:
    """Meta's refusal of a type it does not take, listing the ones it does (code 100)."""
    accepted = ", ".join(f.mime_type for f in templates_meta.load().media_formats)
    return error(
        100,
        message=f"Param file must be a file with one of the following types: {accepted}. "
        f"Received file of type '{mime}'.",
    )


async def upload(request: Request, phone_number_id: str) -> Response:
    """POST /{phone-number-id}/media (multipart: file, type, messaging_product) -> {"id"}."""
    sb = sandbox_of(request)
    async with request.form(max_part_size=1 << 20) as form:
        upload = form.get("file")
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        sb.state.requests[-1]["form"] = fields
        if upload is None or isinstance(upload, str):
            return error(100, details="Param file must be a file")
        if fields.get("messaging_product") != "whatsapp":
            return error(100, details="messaging_product is required and must be whatsapp")
        data = await upload.read()
        mime = fields.get("type") or upload.content_type or "application/octet-stream"
        sb.state.requests[-1]["file"] = {
            "filename": upload.filename,
            "size": len(data),
            "content_type": upload.content_type,
        }
    media_format = templates_meta.load().media_format(mime)
    if media_format is None:
        return unsupported_type(mime)
    if len(data) > media_format.max_bytes:
        return error(
            131053,
            message="Media upload error",
            details=f"File size {len(data)} exceeds the {media_format.max_bytes} bytes limit "
            f"for {media_format.kind} ({media_format.mime_type})",
        )
    media = store_media(sb.state, data, mime, upload.filename)
    media.phone_number_id = phone_number_id
    return JSONResponse({"id": media.id})


def not_found(node_id: str) -> Response:
    return error(
        100,
        subcode=33,
        message="Unsupported get request",
        details=f"Object with ID '{node_id}' does not exist",
    )


def info(request: Request, media_id: str) -> Response:
    """GET /{media-id}: {messaging_product, url, mime_type, sha256, file_size, id}."""
    media = sandbox_of(request).state.media.get(media_id)
    if media is None:
        return not_found(media_id)
    digest = hashlib.sha1(media.id.encode()).hexdigest()[:16]
    url = str(request.url_for("media_download", media_id=media.id)) + f"?hash={digest}"
    return JSONResponse(
        {
            "messaging_product": "whatsapp",
            "url": url,
            "mime_type": media.mime_type,
            "sha256": media.sha256,
            "file_size": len(media.data),
            "id": media.id,
        }
    )


async def download(request: Request) -> Response:
    """The media URL: like Meta's, it answers only with a bearer token."""
    auth = request.headers.get("authorization", "")
    if not auth.lower().startswith("bearer ") or not auth[7:].strip():
        return Response("Unauthorized", status_code=401)
    media = sandbox_of(request).state.media.get(request.path_params["media_id"])
    if media is None:
        return Response("Not Found", status_code=404)
    return Response(media.data, media_type=media.mime_type.split(";")[0])


def delete(request: Request, media_id: str) -> Response:
    """DELETE /{media-id}[?phone_number_id=...]: {"success": true}; only on the number's own."""
    state = sandbox_of(request).state
    media = state.media.get(media_id)
    owner = request.query_params.get("phone_number_id")
    if media is None or (owner and media.phone_number_id and media.phone_number_id != owner):
        return not_found(media_id)
    del state.media[media_id]
    return JSONResponse({"success": True})
