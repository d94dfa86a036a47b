"""Reading a request's parameters: the query string merged with a JSON or urlencoded body."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.requests import Request

from mumble.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType
from mumble.text import ascii_int


def too_large(limit: int) -> PayloadTooLarge:
    """The 413 of a body past `limit` bytes."""
    return PayloadTooLarge(f"Request body too large (limit {limit} bytes)")


def declared_length(request: Request, limit: int) -> int | None:
    """The Content-Length, refused with 413 past `limit` and 400 when it is not a number."""
    declared = request.headers.get("content-length")
    if declared is None:
        return None
    size = ascii_int(declared, max_digits=30)
    if size is None:
        raise BadRequest("Invalid Content-Length header")
    if size > limit:
        raise too_large(limit)
    return size


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused with 413 in our envelope once it passes `limit` bytes."""
    declared_length(request, limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def media_type_of(request: Request) -> str:
    """The request's Content-Type without parameters, lower case ("" when absent)."""
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def is_multipart(request: Request) -> bool:
    """Whether the body is multipart (read by the endpoints that take files, not here)."""
    return media_type_of(request).startswith("multipart/")


async def read_params(
    request: Request, limit: int, *, array_as: str | None = None
) -> dict[str, Any]:
    """Merge query-string parameters with a JSON or urlencoded body (the body wins).

    GET and DELETE clients that cannot send a body may pass everything in the query string.
    With `array_as`, a JSON array body is that parameter's value (a bulk endpoint's rows).
    """
    params: dict[str, Any] = dict(request.query_params)
    content_type = media_type_of(request)
    if content_type.startswith("multipart/"):
        return params
    raw = await read_body(request, limit)
    if not raw.strip():
        return params
    if content_type in ("", "application/json") or content_type.endswith("+json"):
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise BadRequest("Malformed JSON body") from None
        if isinstance(body, list) and array_as is not None:
            body = {array_as: body}
        if not isinstance(body, dict):
            raise BadRequest(
                "JSON body must be an object" + (" or an array" if array_as is not None else "")
            )
        params.update(body)
    elif content_type == "application/x-www-form-urlencoded":
        try:
            pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise BadRequest("Form body must be UTF-8") from None
        params.update(dict(pairs))
    else:
        raise UnsupportedMediaType(f"Unsupported Content-Type: {content_type}")
    return params
