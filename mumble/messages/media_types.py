"""Which files send-media-message takes: extension -> WhatsApp media kind, MIME type, size limit.

Meta's formats and limits are templates_meta's media table (developers.facebook.com/documentation/
business-messaging/whatsapp/business-phone-numbers/media); this module adds the reference's list
of extensions and what each file's first bytes must look like. Pure functions of their inputs.
"""

from __future__ import annotations

import posixpath
import unicodedata
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import templates_meta
from mumble.errors import BadRequest, Refusal

UNSUPPORTED_TYPE = Refusal(BadRequest, "Unsupported file type: .{extension}")
UNKNOWN_TYPE = Refusal(
    BadRequest,
    "Cannot tell the file type: give a file name or URL with one of the supported extensions",
)
EMPTY_FILE = Refusal(BadRequest, "The uploaded file is empty")
TOO_LARGE = Refusal(BadRequest, "File too large for a WhatsApp {kind} (at most {kilobytes} KB)")
CONTENT_MISMATCH = Refusal(BadRequest, "File content does not match its extension (.{extension})")
BAD_FILENAME = Refusal(BadRequest, "filename must not contain control characters")
# Control characters and line/paragraph separators: a file name travels in multipart and
# Content-Disposition headers (ours and Meta's upload), where a line break starts a new header.
_NOT_IN_NAMES = {"Cc", "Zl", "Zp"}


@dataclass(frozen=True)
class MediaType:
    extension: str
    kind: str
    mime_type: str
    # Which magic-byte family the file content must belong to.
    family: str


# The reference's 19 extensions, each with the magic-byte family its content must have; their
# kind, MIME type and size limit come from Meta's media table (templates_meta).
_FAMILIES = {
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "png": "png",
    "webp": "webp",
    "mp4": "isobmff",
    "mov": "isobmff",
    "mp3": "mp3",
    "ogg": "ogg",
    "m4a": "isobmff",
    "wav": "wav",
    "opus": "ogg",
    "pdf": "pdf",
    "doc": "ole",
    "docx": "zip",
    "xls": "ole",
    "xlsx": "zip",
    "ppt": "ole",
    "pptx": "zip",
    "txt": "text",
}
REFERENCE_EXTENSIONS = tuple(_FAMILIES)
# Listed by the reference, refused by Meta: its upload answers (#100) "Param file must be a file
# with one of the following types" for QuickTime and WAV, as a document too, and a link to one
# fails the same way once Meta fetches it. Converting them (to MP4/H.264 or OGG/Opus) would put
# a transcoder and its CPU time per file in the send path, so they are refused before anything
# is stored, in the contract's words, naming what is accepted.
_REFUSED_BY_META = {"mov": "video/quicktime", "wav": "audio/wav"}


def _media_type(extension: str) -> MediaType:
    found = templates_meta.load().media_for_extension(extension)
    if found is None:
        raise ValueError(f"Meta's media table has no .{extension}")
    return MediaType(extension, found.kind, found.mime_type, _FAMILIES[extension])


MEDIA_TYPES: dict[str, MediaType] = {
    ext: _media_type(ext) for ext in REFERENCE_EXTENSIONS if ext not in _REFUSED_BY_META
}
ACCEPTED = ", ".join(MEDIA_TYPES)
REFUSED_BY_WHATSAPP = Refusal(
    BadRequest,
    "Unsupported file type: .{extension} (WhatsApp does not accept {mime_type}; "
    f"accepted: {ACCEPTED})",
)
REFUSALS = (
    UNSUPPORTED_TYPE,
    REFUSED_BY_WHATSAPP,
    UNKNOWN_TYPE,
    EMPTY_FILE,
    TOO_LARGE,
    CONTENT_MISMATCH,
    BAD_FILENAME,
)


def size_limit(kind: str) -> int:
    """Meta's size limit for a media kind (animated stickers' 500 KB for stickers: we cannot
    tell animated from static cheaply)."""
    return templates_meta.load().media_max_bytes(kind)


def checked_filename(name: str | None) -> str | None:
    """The file name as given; 400 when it holds a character that must not reach a header."""
    if name and any(unicodedata.category(char) in _NOT_IN_NAMES for char in name):
        raise BAD_FILENAME()
    return name


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
        if ext in _REFUSED_BY_META:
            raise REFUSED_BY_WHATSAPP(extension=ext, mime_type=_REFUSED_BY_META[ext])
        found = MEDIA_TYPES.get(ext)
        if found is None:
            raise UNSUPPORTED_TYPE(extension=ext)
        return found
    raise UNKNOWN_TYPE()


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
        raise EMPTY_FILE()
    limit = size_limit(media.kind)
    if size > limit:
        raise TOO_LARGE(kind=media.kind, kilobytes=limit // 1024)
    if content_family(head) != media.family:
        raise CONTENT_MISMATCH(extension=media.extension)
