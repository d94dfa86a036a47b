"""Building blocks of the OpenAPI document: JSON Schema helpers, the error envelope, headers.

Endpoint declarations (`mumble.endpoint.Endpoint`) and parameters (`mumble.params`) describe
themselves with these helpers; the document builder adds the envelope and the headers, so each
is written once. A leaf: it imports nothing of Mumble.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

ERROR_TEXT = {
    400: "Bad request: a missing or invalid parameter, or an unreadable body.",
    401: "Unauthorized: a missing, unknown, revoked, disabled or expired key, a blocked account "
    "or IP address, or a key whose role lacks the endpoint's permission.",
    403: "Forbidden.",
    404: "Not found.",
    408: "The request body did not arrive within `MUMBLE_BODY_TIMEOUT_SECONDS`; the connection "
    "is closed.",
    409: "Conflict.",
    413: "The request body is larger than the server accepts.",
    415: "The Content-Type is neither JSON, a urlencoded form, nor (where files are taken) "
    "multipart.",
    429: "Rate limit hit (per IP, per key, or the messaging limit); retry after `Retry-After` "
    "seconds.",
    500: "Unexpected server error: retry with backoff. The body shows no internals.",
    502: "The WhatsApp Cloud API refused or failed the call.",
    503: "A dependency is unavailable (the rate-limit storage or the database); retry with "
    "backoff.",
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
        "id": integer(
            "A send that failed at WhatsApp: our id of the stored message (get-message `id`)."
        ),
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
