"""An uploaded file of send-media-message, checked by its name, its content and its size."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import UploadFile

from mumble.messages.media_types import (
    MediaType,
    check_upload,
    checked_filename,
    media_type_for,
    size_limit,
)

_HEAD_BYTES = 64


@dataclass(frozen=True)
class UploadedFile:
    data: bytes
    filename: str
    media_type: MediaType


async def read_file(upload: UploadFile, fallback_name: str | None) -> UploadedFile:
    """The uploaded file's bytes once its type, content and WhatsApp size limit check out."""
    checked_filename(upload.filename)
    checked_filename(fallback_name)
    name = upload.filename or fallback_name or ""
    media_type = media_type_for(upload.filename, fallback_name)
    size = upload.size if upload.size is not None else 0
    if size > size_limit(media_type.kind):
        check_upload(media_type, b"", size)  # raises the size error without reading the file
    head = await upload.read(_HEAD_BYTES)
    await upload.seek(0)
    data = await upload.read()
    check_upload(media_type, head, len(data))
    return UploadedFile(data, name, media_type)
