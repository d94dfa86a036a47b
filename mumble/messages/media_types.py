"""Which files send-media-message takes: extension -> WhatsApp media kind, MIME type, size limit.

Limits and formats: developers.facebook.com/documentation/business-messaging/whatsapp/
business-phone-numbers/media (image 5 MB, video and audio 16 MB, document 100 MB, sticker 500 KB).
Pure functions of their inputs.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from mumble.errors import BadRequest

MB = 1024 * 1024
KIND_LIMITS = {
    "image": 5 * MB,
    "video": 16 * MB,
    "audio": 16 * MB,
    "document": 100 * MB,
    # Animated stickers may reach 500 KB, static ones 100 KB; we cannot tell them apart cheaply.
    "sticker": 500 * 1024,
}


@dataclass(frozen=True)
class MediaType:
    extension: str
    kind: str
    mime_type: str
    # Which magic-byte family the file content must belong to.
    family: str


def _t(ext: str, kind: str, mime: str, family: str) -> tuple[str, MediaType]:
    return ext, MediaType(ext, kind, mime, family)


_OFFICE_X = "application/vnd.openxmlformats-officedocument"
# The reference's 19 extensions. WhatsApp plays neither QuickTime video nor WAV audio, so .mov
# and .wav go out as documents: they reach the customer instead of failing with 131053.
MEDIA_TYPES: dict[str, MediaType] = dict(
    [
        _t("jpg", "image", "image/jpeg", "jpeg"),
        _t("jpeg", "image", "image/jpeg", "jpeg"),
        _t("png", "image", "image/png", "png"),
        _t("webp", "sticker", "image/webp", "webp"),
        _t("mp4", "video", "video/mp4", "isobmff"),
        _t("mov", "document", "video/quicktime", "isobmff"),
        _t("mp3", "audio", "audio/mpeg", "mp3"),
        _t("ogg", "audio", "audio/ogg", "ogg"),
        _t("m4a", "audio", "audio/mp4", "isobmff"),
        _t("wav", "document", "audio/wav", "wav"),
        _t("opus", "audio", "audio/ogg", "ogg"),
        _t("pdf", "document", "application/pdf", "pdf"),
        _t("doc", "document", "application/msword", "ole"),
        _t("docx", "document", f"{_OFFICE_X}.wordprocessingml.document", "zip"),
        _t("xls", "document", "application/vnd.ms-excel", "ole"),
        _t("xlsx", "document", f"{_OFFICE_X}.spreadsheetml.sheet", "zip"),
        _t("ppt", "document", "application/vnd.ms-powerpoint", "ole"),
        _t("pptx", "document", f"{_OFFICE_X}.presentationml.presentation", "zip"),
        _t("txt", "document", "text/plain", "text"),
    ]
)


def extension_of(name: str | None) -> str | None:
    """The lower-case extension of a file name or URL path ("photo.JPG" -> "jpg"), or None."""
    if not name:
        return None
    path = name
    if "://" in name:
        try:
            path = urlsplit(name).path
        except ValueError:  # an unclosed IPv6 bracket: no URL, so no path to read
            return None
    base = posixpath.basename(unquote(path))
    if "." not in base.strip("."):
        return None
    return base.rsplit(".", 1)[1].lower() or None


def media_type_for(*names: str | None) -> MediaType:
    """The type of the first name that has an extension; 400 when it is missing or unsupported."""
    for name in names:
        ext = extension_of(name)
        if ext is None:
            continue
        found = MEDIA_TYPES.get(ext)
        if found is None:
            raise BadRequest(f"Unsupported file type: .{ext}")
        return found
    raise BadRequest(
        "Cannot tell the file type: give a file name or URL with one of the supported extensions"
    )


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        return exc.start >= len(head) - 3
    return True


def content_family(head: bytes) -> str | None:
    """The magic-byte family of a file's first bytes, or None when unrecognised."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[4:8] == b"ftyp":
        return "isobmff"
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if _looks_like_text(head):
        return "text"
    return None


def check_upload(media: MediaType, head: bytes, size: int) -> None:
    """400 when an uploaded file's content is not what its extension says or it is too large."""
    if size == 0:
        raise BadRequest("The uploaded file is empty")
    limit = KIND_LIMITS[media.kind]
    if size > limit:
        raise BadRequest(f"File too large for a WhatsApp {media.kind} (at most {limit // 1024} KB)")
    if content_family(head) != media.family:
        raise BadRequest(f"File content does not match its extension (.{media.extension})")
