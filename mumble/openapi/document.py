"""The OpenAPI 3.1 document, built by walking the routes the app really mounts."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from starlette.routing import BaseRoute, Mount, Route

from mumble.endpoint import ApiRoute
from mumble.openapi import customers, infra, messaging, team, templates, webhooks
from mumble.openapi.spec import (
    GUARD_ERRORS,
    RATE_HEADERS,
    Op,
    Schema,
    components,
    error_response,
    header_refs,
    string,
)

# Every /mumbleapi endpoint's description, keyed by its path inside the mount.
API_OPS: dict[str, Op] = {
    **customers.OPS,
    **team.OPS,
    **messaging.OPS,
    **templates.OPS,
    **webhooks.OPS,
}

TAGS = [
    {"name": "Customers"},
    {"name": "Labels"},
    {"name": "Messaging"},
    {"name": "Conversations"},
    {"name": "Agents & Teams"},
    {"name": "Bots"},
    {"name": "Templates"},
    {"name": "Webhooks", "description": "Event webhooks: Mumble -> your server."},
    {"name": "WhatsApp", "description": "The inbound webhook: Meta -> Mumble."},
    {"name": "Operations", "description": "Health and metrics, unauthenticated."},
]

_REQUEST_ID_PARAM = {
    "name": "X-Request-ID",
    "in": "header",
    "required": False,
    "description": "Your request id, echoed back (letters, digits and `._:-`, up to 128).",
    "schema": string(),
}
_IDEMPOTENCY_PARAM = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Retry safely: the same key and request within 24 hours replay the first "
    "answer; the same key with another request is a 409.",
    "schema": string(minLength=1, maxLength=255),
}


def walk(routes: Sequence[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str, Route]]:
    """(method, full path, route) of every mounted route that belongs in the document."""
    for route in routes:
        if isinstance(route, Mount):
            yield from walk(route.routes, prefix + route.path)
        elif isinstance(route, Route) and route.include_in_schema:
            for method in sorted(route.methods or ()):
                if method != "HEAD":
                    yield method, prefix + route.path, route


def undescribed(routes: Sequence[BaseRoute]) -> list[str]:
    """`METHOD /path` of each mounted route the document has no description for."""
    return [
        f"{method} {path}"
        for method, path, route in walk(routes)
        if _operation(method, path, route) is None
    ]


def build_document(routes: Sequence[BaseRoute]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of these routes (the app's own, so it matches what is served)."""
    paths: dict[str, dict[str, Any]] = {}
    for method, path, route in walk(routes):
        operation = _operation(method, path, route)
        if operation is not None:
            paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Mumble API",
            "version": "1.0.0",
            "description": (
                "WhatsApp conversational messaging. Every /mumbleapi request carries the "
                "`Mumble-Api-Key` header. GET and DELETE take their parameters in the query "
                "string (a JSON body works too); POST takes a JSON object or a urlencoded form. "
                'Successful answers include `"success": true`; errors are '
                '`{"error": true, "message": "...", "details": [...]}`.'
            ),
        },
        "tags": TAGS,
        "paths": paths,
        "components": components(),
    }


def _operation(method: str, path: str, route: Route) -> dict[str, Any] | None:
    if isinstance(route, ApiRoute):
        op = API_OPS.get(route.path)
        return None if op is None else _api_operation(method, route, op)
    return infra.OPS.get((method, path))


def _api_operation(method: str, route: ApiRoute, op: Op) -> dict[str, Any]:
    """One guarded endpoint: security, parameters or body, and every answer it can give."""
    notes = [op.description] if op.description else []
    notes.append(f"Permission: `{route.permission}`.")
    if route.messaging:
        notes.append("Also under the messaging limit (5/second, 100/minute, 2000/hour per key).")
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": string()}
        for name in route.param_convertors
    ]
    operation: dict[str, Any] = {
        "operationId": route.path.strip("/").split("/")[0],
        "summary": op.summary,
        "description": " ".join(notes),
        "tags": [op.tag],
        "security": [{"ApiKey": []}],
    }
    if method == "POST":
        operation["requestBody"] = _request_body(op)
    else:
        parameters += [
            {"name": name, "in": "query", "required": name in op.required, "schema": schema}
            for name, schema in op.params.items()
        ]
    if op.idempotent:
        parameters.append(_IDEMPOTENCY_PARAM)
    parameters.append(_REQUEST_ID_PARAM)
    operation["parameters"] = parameters
    operation["responses"] = _responses(op)
    return operation


def _request_body(op: Op) -> dict[str, Any]:
    body: Schema = {"type": "object", "properties": op.params}
    if op.required:
        body["required"] = list(op.required)
    if op.extra_body is not None:
        body["additionalProperties"] = op.extra_body
    # A form carries text only: arrays and objects travel as JSON text.
    form = {
        **body,
        "properties": {name: _form_field(schema) for name, schema in op.params.items()},
    }
    if op.extra_body is not None:
        form["additionalProperties"] = string()
    content: dict[str, Any] = {
        "application/json": {"schema": body},
        "application/x-www-form-urlencoded": {"schema": form},
    }
    if op.multipart is not None:
        content["multipart/form-data"] = {"schema": op.multipart}
    return {"required": bool(op.required), "content": content}


def _form_field(schema: Schema) -> Schema:
    if schema.get("type") in ("array", "object"):
        return string(f"JSON text. {schema.get('description', '')}".strip())
    if schema.get("type") in ("integer", "boolean"):
        return schema
    return string(schema.get("description", ""), **_text_limits(schema))


def _text_limits(schema: Schema) -> dict[str, Any]:
    return {key: schema[key] for key in ("maxLength", "enum", "examples") if key in schema}


def _responses(op: Op) -> dict[str, Any]:
    ok_headers = RATE_HEADERS + (("IdempotentReplayed",) if op.idempotent else ())
    responses: dict[str, Any] = {
        "200": {
            "description": "Success.",
            "headers": header_refs(*ok_headers),
            "content": {op.ok_media: {"schema": op.ok}},
        }
    }
    if op.links:
        responses["200"]["links"] = op.links
    for status in sorted({*GUARD_ERRORS, *op.errors}):
        responses[str(status)] = error_response(status, op.errors.get(status, ()), guarded=True)
    return responses
