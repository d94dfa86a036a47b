"""The OpenAPI 3.1 document, built by walking the routes the app really mounts.

Each /mumbleapi operation is derived from its route's `Endpoint` declaration: parameters and
their limits, every status it can answer with the contract's messages, the idempotency header.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from starlette.routing import BaseRoute, Mount, Route

from mumble.endpoint import ApiRoute, Endpoint
from mumble.idempotency import HEADER as IDEMPOTENCY_HEADER
from mumble.idempotency import MAX_KEY_LENGTH
from mumble.openapi import infra
from mumble.openapi.schema import (
    RATE_HEADERS,
    Schema,
    components,
    error_response,
    header_refs,
    string,
)

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
    "name": IDEMPOTENCY_HEADER,
    "in": "header",
    "required": False,
    "description": "Retry safely: the same key and request within 24 hours replay the first "
    "answer; the same key with another request is a 409.",
    "schema": string(minLength=1, maxLength=MAX_KEY_LENGTH),
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
        return _api_operation(route)
    return infra.OPS.get((method, path))


def _api_operation(route: ApiRoute) -> dict[str, Any]:
    """One guarded endpoint: security, parameters or body, and every answer it can give."""
    contract = route.contract
    notes = [contract.description] if contract.description else []
    notes.append(f"Permission: `{contract.permission}`.")
    if contract.messaging:
        notes.append("Also under the messaging limit (per key).")
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": string()}
        for name in route.param_convertors
    ]
    operation: dict[str, Any] = {
        "operationId": contract.operation_id,
        "summary": contract.summary,
        "description": " ".join(notes),
        "tags": [contract.tag],
        "security": [{"ApiKey": []}],
    }
    if contract.method == "POST":
        operation["requestBody"] = _request_body(contract)
    else:
        parameters += [
            {"name": p.name, "in": "query", "required": p.required, "schema": p.schema}
            for p in contract.params
            if p.name not in route.param_convertors
        ]
    if contract.idempotent:
        parameters.append(_IDEMPOTENCY_PARAM)
    parameters.append(_REQUEST_ID_PARAM)
    operation["parameters"] = parameters
    operation["responses"] = _responses(contract)
    return operation


def _request_body(contract: Endpoint) -> dict[str, Any]:
    properties = {p.name: p.schema for p in contract.params}
    required = [p.name for p in contract.params if p.required]
    body: Schema = {"type": "object", "properties": properties}
    if required:
        body["required"] = required
    if contract.extra_body is not None:
        body["additionalProperties"] = contract.extra_body
    # A form carries text only: arrays and objects travel as JSON text.
    form = {**body, "properties": {name: _form_field(s) for name, s in properties.items()}}
    if contract.extra_body is not None:
        form["additionalProperties"] = string()
    json_body = body
    if contract.bulk_rows is not None:
        rows = next(p.schema for p in contract.params if p.name == contract.bulk_rows)
        json_body = {"anyOf": [rows, body]}
    content: dict[str, Any] = {
        "application/json": {"schema": json_body},
        "application/x-www-form-urlencoded": {"schema": form},
    }
    if contract.upload is not None:
        upload = contract.upload
        file = string(upload.description, contentMediaType="application/octet-stream")
        multipart: Schema = {
            "type": "object",
            "properties": {upload.file_field: file, **properties},
        }
        if required:
            multipart["required"] = required
        content["multipart/form-data"] = {"schema": multipart}
    return {"required": bool(required), "content": content}


def _form_field(schema: Schema) -> Schema:
    if schema.get("type") in ("array", "object"):
        return string(f"JSON text. {schema.get('description', '')}".strip())
    if schema.get("type") in ("integer", "boolean"):
        return schema
    return string(schema.get("description", ""), **_text_limits(schema))


def _text_limits(schema: Schema) -> dict[str, Any]:
    return {key: schema[key] for key in ("maxLength", "enum", "examples") if key in schema}


def _responses(contract: Endpoint) -> dict[str, Any]:
    ok_headers = RATE_HEADERS + (("IdempotentReplayed",) if contract.idempotent else ())
    responses: dict[str, Any] = {
        "200": {
            "description": "Success.",
            "headers": header_refs(*ok_headers),
            "content": {contract.ok_media: {"schema": contract.ok}},
        }
    }
    if contract.links:
        responses["200"]["links"] = dict(contract.links)
    for status, messages in contract.answers().items():
        responses[str(status)] = error_response(status, messages, guarded=True)
    return responses
