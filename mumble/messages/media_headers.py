"""The headers of a stored media download: a file name any client can read, never executed.

Stored files come from customers (inbound media) and integrators: an HTML or SVG document must
not run in our origin, so every file is an attachment, with nosniff and a CSP that allows
nothing and sandboxes the document should a browser render it anyway.
Header values are Latin-1 on the wire, so a file name goes out twice (RFC 6266 section 4.3): an
ASCII `filename` for old clients and the exact name as UTF-8 in `filename*` (RFC 8187).
"""

from __future__ import annotations

import re
from urllib.parse import quote

OCTET_STREAM = "application/octet-stream"
CSP = "default-src 'none'; sandbox"
# type/subtype with optional `; name=value` parameters, tokens as RFC 9110 defines them.
_TOKEN = r"[A-Za-z0-9!#$%&'*+.^_`|~-]+"
_MEDIA_TYPE = re.compile(rf"{_TOKEN}/{_TOKEN}(?:\s*;\s*{_TOKEN}=(?:{_TOKEN}|\"[^\"\\]*\"))*")


def ascii_fallback(filename: str) -> str:
    """The name with every character a quoted ASCII header value cannot carry replaced by "_"."""
    return "".join(char if " " <= char <= "~" and char not in '"\\' else "_" for char in filename)


def content_disposition(filename: str | None, disposition: str = "inline") -> str:
    """`disposition; filename="ascii"; filename*=UTF-8''percent-encoded`, or the bare type."""
    if not filename:
        return disposition
    encoded = quote(filename, safe="")
    return f"{disposition}; filename=\"{ascii_fallback(filename)}\"; filename*=UTF-8''{encoded}"


def served_type(mime_type: str | None) -> str:
    """The stored type when it is a well-formed media type, else application/octet-stream."""
    text = (mime_type or "").strip()
    return text if _MEDIA_TYPE.fullmatch(text) else OCTET_STREAM


def download_headers(filename: str | None) -> dict[str, str]:
    """The headers of every stored file: an attachment that is never sniffed or run."""
    return {
        "Cache-Control": "private, max-age=3600",
        "Content-Disposition": content_disposition(filename, "attachment"),
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
    }
