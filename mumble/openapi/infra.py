"""OpenAPI descriptions of the unauthenticated routes: Meta's inbound webhook, health, metrics."""

from __future__ import annotations

from typing import Any

from mumble.openapi.schema import error_response, header_refs, obj, string

_TEXT_OK = {
    "description": "Acknowledged.",
    "headers": header_refs("RequestId"),
    "content": {"text/plain": {"schema": string(examples=["ok"])}},
}
_CHECK = obj(
    {
        "ok": {"type": "boolean"},
        "latency_ms": {"type": "number"},
        "error": string("A short reason, when the check failed."),
    },
    ("ok", "latency_ms"),
)


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(s): error_response(s, guarded=False) for s in statuses}


# Keyed by (method, full path): the routes outside /mumbleapi.
OPS: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/webhooks/whatsapp"): {
        "operationId": "whatsapp-webhook-verify",
        "summary": "Meta's subscription handshake.",
        "description": "Answers `hub.challenge` when `hub.mode` is `subscribe` and "
        "`hub.verify_token` matches MUMBLE_WHATSAPP_VERIFY_TOKEN.",
        "tags": ["WhatsApp"],
        "parameters": [
            {"name": "hub.mode", "in": "query", "schema": string(examples=["subscribe"])},
            {"name": "hub.verify_token", "in": "query", "schema": string()},
            {"name": "hub.challenge", "in": "query", "schema": string()},
        ],
        "responses": {
            "200": {
                "description": "The challenge, echoed.",
                "headers": header_refs("RequestId"),
                "content": {"text/plain": {"schema": string()}},
            },
            **_errors(403, 500),
        },
    },
    ("POST", "/webhooks/whatsapp"): {
        "operationId": "whatsapp-webhook-receive",
        "summary": "Meta's webhook: messages, statuses and template updates.",
        "description": "The body is checked against `X-Hub-Signature-256` (HMAC-SHA256 with the "
        "app secret) before anything is parsed; a signed batch is stored and acknowledged.",
        "tags": ["WhatsApp"],
        "parameters": [
            {
                "name": "X-Hub-Signature-256",
                "in": "header",
                "schema": string("`sha256=` and the hex HMAC of the raw body."),
            }
        ],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        "responses": {"200": _TEXT_OK, **_errors(400, 401, 403, 408, 413, 500, 503)},
    },
    ("GET", "/healthz"): {
        "operationId": "healthz",
        "summary": "Liveness: the process serves requests.",
        "tags": ["Operations"],
        "responses": {
            "200": {
                "description": "Alive.",
                "headers": header_refs("RequestId"),
                "content": {
                    "application/json": {"schema": obj({"status": {"const": "ok"}}, ("status",))}
                },
            },
            **_errors(500),
        },
    },
    ("GET", "/readyz"): {
        "operationId": "readyz",
        "summary": "Readiness: the database, the rate-limit storage and the Graph API answer.",
        "tags": ["Operations"],
        "responses": {
            "200": {
                "description": "Ready, with each check.",
                "headers": header_refs("RequestId"),
                "content": {
                    "application/json": {
                        "schema": obj(
                            {
                                "status": {"const": "ready"},
                                "checks": {"type": "object", "additionalProperties": _CHECK},
                            },
                            ("status", "checks"),
                        )
                    }
                },
            },
            **_errors(500, 503),
        },
    },
    ("GET", "/metrics"): {
        "operationId": "metrics",
        "summary": "Prometheus metrics (text exposition format).",
        "tags": ["Operations"],
        "responses": {
            "200": {
                "description": "The metrics.",
                "headers": header_refs("RequestId"),
                "content": {"text/plain": {"schema": string()}},
            },
            **_errors(500),
        },
    },
}
