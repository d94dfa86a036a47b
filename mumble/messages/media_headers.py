"""The headers of a stored media download: a file name any client can read, never executed.

Header values are Latin-1 on the wire, so a file name goes out twice (RFC 6266 section 4.3): an
ASCII `filename` for old clients and the exact name as UTF-8 in `filename*` (RFC 8187).
"""

from __future__ import annotations

from urllib.parse import quote


def ascii_fallback(filename: str) -> str:
    """The name with every character a quoted ASCII header value cannot carry replaced by "_"."""
    return "".join(char if " " <= char <= "~" and char not in '"\\' else "_" for char in filename)


def content_disposition(filename: str | None, disposition: str = "inline") -> str:
    """`disposition; filename="ascii"; filename*=UTF-8''percent-encoded`, or the bare type."""
    if not filename:
        return disposition
    encoded = quote(filename, safe="")
    return f"{disposition}; filename=\"{ascii_fallback(filename)}\"; filename*=UTF-8''{encoded}"
