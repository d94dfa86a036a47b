"""The MumbleError family, the contract's declared refusals, and the one renderer of the envelope.

A `Refusal` is an error the API reference (or our own extension of it) fixes: its class, hence
its HTTP status, and its exact message, declared once. Services raise it, endpoint declarations
list it, and the OpenAPI document quotes it, all from the same constant.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mumble.logs import mark_logged

log = logging.getLogger("mumble.errors")


_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC


class JsonResponse(JSONResponse):
    """JSONResponse rendered with orjson (faster, and UUIDs/datetimes serialise natively)."""

    def render(self, content: Any) -> bytes:
        # A datetime that reaches the renderer is written as mumble.clock.rfc3339 writes it.
        return orjson.dumps(content, option=_OPTIONS)


class MumbleError(Exception):
    """An expected failure: carries the HTTP status and the client-facing message."""

    status = 400

    def __init__(
        self,
        message: str,
        *,
        details: Sequence[str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = list(details) if details else None
        self.headers = dict(headers) if headers else {}
        # Fields the envelope carries beside the message (a failed send's message `id`).
        self.fields: dict[str, Any] = {}

    def carrying(self, **fields: Any) -> MumbleError:
        """This error with `fields` added to its envelope (each one declared in ERROR_SCHEMA)."""
        self.fields.update(fields)
        return self

    def body(self) -> dict[str, Any]:
        """The envelope this error is answered with."""
        return error_body(self.message, self.details, self.fields)


class BadRequest(MumbleError):
    status = 400


class Unauthorized(MumbleError):
    status = 401


class NotFound(MumbleError):
    status = 404


class RequestTimeout(MumbleError):
    status = 408


class Conflict(MumbleError):
    status = 409


class PayloadTooLarge(MumbleError):
    status = 413


class UnsupportedMediaType(MumbleError):
    status = 415


class TooManyRequests(MumbleError):
    status = 429


class BadGateway(MumbleError):
    status = 502


class ServiceUnavailable(MumbleError):
    status = 503


@dataclass(frozen=True)
class Refusal:
    """A declared error: `raise WINDOW_CLOSED()`, and endpoints list it among what they answer.

    `message` may hold `{name}` fields, filled by `raise REFUSAL(name=...)`; the document quotes
    it with the fields as written.
    """

    kind: type[MumbleError]
    message: str

    @property
    def status(self) -> int:
        return self.kind.status

    def __call__(
        self,
        *,
        details: Sequence[str] | None = None,
        headers: Mapping[str, str] | None = None,
        **fields: object,
    ) -> MumbleError:
        message = self.message.format(**fields) if fields else self.message
        return self.kind(message, details=details, headers=headers)


def error_body(
    message: str,
    details: Sequence[str] | None = None,
    fields: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The `{"error": true, "message": ..., "details": [...]}` envelope, written only here;
    `fields` are the extra members an error may carry (`MumbleError.carrying`)."""
    body: dict[str, Any] = {**(fields or {}), "error": True, "message": message}
    if details:
        body["details"] = list(details)
    return body


def error_response(
    status: int,
    message: str,
    *,
    details: Sequence[str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The envelope as an HTTP response."""
    return JsonResponse(
        error_body(message, details), status_code=status, headers=dict(headers or {})
    )


_HTTP_MESSAGES = {
    400: "Bad request",
    404: "Not found",
    405: "Method not allowed",
    413: "Request body too large",
}


async def _mumble_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, MumbleError)
    return JsonResponse(exc.body(), status_code=exc.status, headers=exc.headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = _HTTP_MESSAGES.get(exc.status_code, exc.detail or "Request failed")
    details = [exc.detail] if exc.status_code == 400 and exc.detail else None
    return error_response(exc.status_code, message, details=details, headers=exc.headers)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    request_id = request.scope.get("state", {}).get("request_id", "-")
    log.error(
        "unhandled error",
        exc_info=exc,
        extra={"request_id": request_id, "method": request.method, "path": request.url.path},
    )
    mark_logged(exc)  # uvicorn logs it again on the way out, without the request id
    return error_response(500, "An unexpected error occurred", headers={"X-Request-ID": request_id})


EXCEPTION_HANDLERS = {
    MumbleError: _mumble_error,
    HTTPException: _http_error,
    Exception: _unexpected_error,
}
