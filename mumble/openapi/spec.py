"""Building blocks of the OpenAPI document: JSON Schema helpers, the error envelope, headers.

Every domain module describes its endpoints with `Op` values built from these helpers, so the
envelope, the rate-limit headers and the shared parameters are written once.
"""

from __future__ import annotations

import dataclasses
from typing import Any

Schema = dict[str, Any]

# Errors every guarded /mumbleapi endpoint can answer, whatever it does.
GUARD_ERRORS = (400, 401, 413, 415, 429, 500, 503)

ERROR_TEXT = {
    400: "Bad request: a missing or invalid parameter, or an unreadable body.",
    401: "Unauthorized: a missing, unknown, revoked, disabled or expired key, a blocked account "
    "or IP address, or a key whose role lacks the endpoint's permission.",
    403: "Forbidden.",
    404: "Not found.",
    409: "Conflict.",
    413: "The request body is larger than the server accepts.",
    415: "The Content-Type is neither JSON, a urlencoded form, nor (where files are taken) "
    "multipart.",
    429: "Rate limit hit (per IP, per key, or the messaging limit); retry after `Retry-After` "
    "seconds.",
    500: "Unexpected server error: retry with backoff. The body shows no internals.",
    502: "The WhatsApp Cloud API refused or failed the call.",
    503: "A dependency is unavailable (the rate-limit storage).",
}


def string(description: str = "", **extra: Any) -> Schema:
    """A string schema (`extra` adds keywords such as maxLength or enum)."""
    return _described({"type": "string", **extra}, description)


def integer(description: str = "", **extra: Any) -> Schema:
    """An integer schema."""
    return _described({"type": "integer", **extra}, description)


def boolean(description: str = "") -> Schema:
    """A boolean schema."""
    return _described({"type": "boolean"}, description)


def array(items: Schema, description: str = "", **extra: Any) -> Schema:
    """An array of `items`."""
    return _described({"type": "array", "items": items, **extra}, description)


def nullable(schema: Schema) -> Schema:
    """`schema` or null (JSON Schema 2020-12, as OpenAPI 3.1 uses it)."""
    return {"anyOf": [schema, {"type": "null"}]}


def obj(
    properties: dict[str, Schema], required: tuple[str, ...] = (), description: str = ""
) -> Schema:
    """An object with these properties; more may appear (responses grow, clients ignore)."""
    schema: Schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return _described(schema, description)


def success(properties: dict[str, Schema], required: tuple[str, ...] = ()) -> Schema:
    """A success body: `{"success": true, ...}`."""
    return obj({"success": {"const": True}, **properties}, ("success", *required))


def message_only(text: str) -> Schema:
    """The usual `{"success": true, "message": "..."}` answer of a write."""
    return success({"message": string(examples=[text])}, ("message",))


def _described(schema: Schema, description: str) -> Schema:
    if description:
        schema["description"] = description
    return schema


# Shared parameter schemas.
PHONE = string(
    "International digits without +, spaces or dashes, 7 to 15 of them (the server strips "
    "non-digits, so a formatted number is accepted too).",
    examples=["972501234567"],
    pattern="^[0-9]{7,15}$",
)
PAGE = integer("1-based page number (default 1).", minimum=1, maximum=10_000_000)
PROFILE = {
    "source": string("Where the customer came from.", maxLength=200),
    "bot_token": string("A bot id, `AI` or `turn_off`.", maxLength=200),
    "name": string("The customer's name (applied when the customer is created).", maxLength=200),
    "email": string("The customer's email address.", maxLength=254),
}


@dataclasses.dataclass(frozen=True)
class Op:
    """One operation: its parameters (query for GET/DELETE, body for POST) and answers."""

    summary: str
    tag: str
    ok: Schema
    params: dict[str, Schema] = dataclasses.field(default_factory=dict)
    required: tuple[str, ...] = ()
    # HTTP statuses beyond GUARD_ERRORS, each with the messages it carries.
    errors: dict[int, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    description: str = ""
    # Extra body keys are taken (custom fields); schema of their values, or None.
    extra_body: Schema | None = None
    # A multipart/form-data body beside JSON and form (send-media-message).
    multipart: Schema | None = None
    # Takes an Idempotency-Key header (the send endpoints).
    idempotent: bool = False
    # The media type of the 200 answer (`*/*` for a file of any type).
    ok_media: str = "application/json"
    # OpenAPI links from the 200 answer: how its values feed other operations (stateful fuzzing).
    links: dict[str, Schema] = dataclasses.field(default_factory=dict)


def link(
    operation_id: str,
    *,
    query: dict[str, str] | None = None,
    path: dict[str, str] | None = None,
    **body: str,
) -> Schema:
    """An OpenAPI link to `operation_id`, filling its query or path parameters or body fields."""
    target: Schema = {"operationId": operation_id}
    parameters = {f"query.{name}": value for name, value in (query or {}).items()}
    parameters |= {f"path.{name}": value for name, value in (path or {}).items()}
    if parameters:
        target["parameters"] = parameters
    if body:
        target["requestBody"] = body
    return target


HEADERS: dict[str, Schema] = {
    "RequestId": {
        "description": "The request id: the client's X-Request-ID when it is sane, else minted.",
        "required": True,
        "schema": string(pattern="^[A-Za-z0-9._:-]{1,128}$"),
    },
    "RateLimitLimit": {
        "description": "Requests allowed in the tightest window that applies.",
        "schema": integer(minimum=0),
    },
    "RateLimitRemaining": {
        "description": "Requests left in that window.",
        "schema": integer(minimum=0),
    },
    "RateLimitReset": {
        "description": "When that window resets, in epoch seconds.",
        "schema": integer(minimum=0),
    },
    "RetryAfter": {
        "description": "Seconds to wait before retrying.",
        "required": True,
        "schema": integer(minimum=0),
    },
    "IdempotentReplayed": {
        "description": "`true` when this answer replays the first request with the same key.",
        "schema": string(enum=["true"]),
    },
}

ERROR_SCHEMA = {
    "type": "object",
    "description": "The error envelope of every failure.",
    "properties": {
        "error": {"const": True},
        "message": string("What went wrong, for a person."),
        "details": array(string(), "Each problem found, when there are several."),
    },
    "required": ["error", "message"],
    "additionalProperties": False,
}


def header_refs(*names: str) -> dict[str, Schema]:
    """Response headers by component name."""
    wire = {
        "RequestId": "X-Request-ID",
        "RateLimitLimit": "X-RateLimit-Limit",
        "RateLimitRemaining": "X-RateLimit-Remaining",
        "RateLimitReset": "X-RateLimit-Reset",
        "RetryAfter": "Retry-After",
        "IdempotentReplayed": "Idempotent-Replayed",
    }
    return {wire[name]: {"$ref": f"#/components/headers/{name}"} for name in names}


RATE_HEADERS = ("RequestId", "RateLimitLimit", "RateLimitRemaining", "RateLimitReset")


def error_response(status: int, messages: tuple[str, ...] = (), *, guarded: bool) -> Schema:
    """A response in the error envelope; 429 also carries Retry-After."""
    names = RATE_HEADERS if guarded else ("RequestId",)
    if status == 429:
        names = (*names, "RetryAfter")
    text = ERROR_TEXT.get(status, "Error.")
    if messages:
        text += " Messages: " + "; ".join(f"`{m}`" for m in messages)
    return {
        "description": text,
        "headers": header_refs(*names),
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def components() -> Schema:
    """The document's shared components: the error envelope, headers and the key scheme."""
    return {
        "schemas": {"Error": ERROR_SCHEMA},
        "headers": HEADERS,
        "securitySchemes": {
            "ApiKey": {
                "type": "apiKey",
                "in": "header",
                "name": "Mumble-Api-Key",
                "description": "Your API key (made with `mumble key create`).",
            }
        },
    }
