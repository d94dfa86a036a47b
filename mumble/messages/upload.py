"""Reading send-media-message's multipart body: streamed, capped, the file checked by content."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.types import Message as AsgiMessage

from mumble.errors import BadRequest, PayloadTooLarge
from mumble.messages.media_types import KIND_LIMITS, MediaType, check_upload, media_type_for
from mumble.params import ascii_int

_HEAD_BYTES = 64
_CHUNK_BYTES = 1024 * 1024
_TEXT_FIELDS = (
    "customer_phone",
    "caption",
    "filename",
    "media_url",
    "name",
    "email",
    "source",
    "bot_token",
)


@dataclass(frozen=True)
class UploadedFile:
    data: bytes
    filename: str
    media_type: MediaType


@dataclass(frozen=True)
class MediaForm:
    fields: dict[str, str]
    file: UploadFile | None


def _capped(request: Request, limit: int) -> Request:
    """The same request whose body stream raises 413 once it passes `limit` bytes.

    python-multipart spools file parts to disk without bounding them, so the cap sits here.
    """
    declared = request.headers.get("content-length")
    size = ascii_int(declared, max_digits=30) if declared is not None else None
    if size is not None and size > limit:
        raise PayloadTooLarge(f"Request body too large (limit {limit} bytes)")
    received = 0

    async def receive() -> AsgiMessage:
        nonlocal received
        message = await request.receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise PayloadTooLarge(f"Request body too large (limit {limit} bytes)")
        return message

    return Request(request.scope, receive)


async def read_file(upload: UploadFile, fallback_name: str | None) -> UploadedFile:
    """The uploaded file's bytes once its type, content and WhatsApp size limit check out."""
    name = upload.filename or fallback_name or ""
    media_type = media_type_for(upload.filename, fallback_name)
    size = upload.size if upload.size is not None else 0
    if size > KIND_LIMITS[media_type.kind]:
        check_upload(media_type, b"", size)  # raises the size error without reading the file
    head = await upload.read(_HEAD_BYTES)
    await upload.seek(0)
    data = await upload.read()
    check_upload(media_type, head, len(data))
    return UploadedFile(data, name, media_type)


async def file_digest(upload: UploadFile) -> bytes:
    """SHA-256 of an uploaded file, read in chunks (the file is left rewound)."""
    digest = hashlib.sha256()
    await upload.seek(0)
    while chunk := await upload.read(_CHUNK_BYTES):
        digest.update(chunk)
    await upload.seek(0)
    return digest.hexdigest().encode()


class MediaFormReader:
    """`async with MediaFormReader(request, limit) as form:` parses and later closes the form."""

    def __init__(self, request: Request, limit: int) -> None:
        self._request = _capped(request, limit)
        self._form: object | None = None

    async def __aenter__(self) -> MediaForm:
        form = await self._request.form(max_files=1, max_fields=50)
        self._form = form
        fields: dict[str, str] = {}
        upload: UploadFile | None = None
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                if key != "file":
                    raise BadRequest(f"Unexpected file field '{key}' (use 'file')")
                upload = value
            elif key in _TEXT_FIELDS:
                fields[key] = value
        return MediaForm(fields, upload)

    async def __aexit__(self, *exc: object) -> None:
        if self._form is not None:
            await self._form.close()  # type: ignore[attr-defined]
