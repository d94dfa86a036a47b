"""Helpers shared by the sandbox's Graph handlers: the core of a request, Graph error replies."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse

from mumble.sandbox.core import SandboxCore
from mumble.whatsapp.payloads import graph_error

# The HTTP status Meta's current error table gives each code (400 otherwise).
_HTTP_STATUS = {
    0: 401,
    190: 401,
    2: 503,
    133004: 503,
    131000: 500,
    131016: 500,
    131057: 500,
    3: 500,
    10: 403,
    131005: 403,
    131031: 403,
    368: 403,
    132001: 404,
}
# Meta's title of each code the Cloud API answers with (the error-codes page:
# developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes).
TITLES = {
    0: "AuthException",
    1: "API Unknown",
    2: "API Service",
    3: "API Method",
    4: "Application request limit reached",
    10: "Permission Denied",
    100: "Invalid parameter",
    190: "Invalid OAuth access token - Cannot parse access token",
    200: "Permission Denied",
    368: "Temporarily blocked for policies violations",
    80007: "Rate limit issues",
    130429: "Rate limit hit",
    130472: "User's number is part of an experiment",
    130497: "Business account is restricted from messaging users in this country",
    131000: "Something went wrong",
    131005: "Access denied",
    131008: "Required parameter is missing",
    131009: "Parameter value is not valid",
    131016: "Service unavailable",
    131021: "Recipient cannot be sender",
    131026: "Message undeliverable",
    131030: "Recipient phone number not in allowed list",
    131031: "Business Account locked",
    131037: "WhatsApp provided number needs display name approval before message can be sent",
    131042: "Business eligibility payment issue",
    131045: "Incorrect certificate",
    131047: "Re-engagement message",
    131048: "Spam rate limit hit",
    131049: "This message was not delivered to maintain healthy ecosystem engagement",
    131050: "Unable to deliver the message: the user has stopped marketing messages",
    131051: "Unsupported message type",
    131052: "Media download error",
    131053: "Media upload error",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    131057: "Account in maintenance mode",
    132000: "Number of parameters does not match the expected number of params",
    132001: "Template name does not exist in the translation",
    132005: "Translated text too long",
    132007: "Template Format Character Policy Violated",
    132008: "Template parameter format mismatch",
    132012: "Parameter format does not match format in the created template",
    132015: "Template is Paused",
    132016: "Template is Disabled",
    133004: "Server Temporarily Unavailable",
    133010: "Phone number Not Registered",
    135000: "Generic user error",
}


def sandbox_of(request: Request) -> SandboxCore:
    """The core the app was built around (`app.build_app` puts it on the app's state)."""
    core = request.app.state.sandbox
    assert isinstance(core, SandboxCore)
    return core


def error(
    code: int,
    *,
    details: str | None = None,
    status: int | None = None,
    subcode: int | None = None,
    message: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A Graph error response in Meta's shape."""
    body = graph_error(
        code, message or TITLES.get(code, "Something went wrong"), subcode=subcode, details=details
    )
    return JSONResponse(body, status_code=status or _HTTP_STATUS.get(code, 400), headers=headers)


async def json_body(request: Request) -> dict[str, Any] | None:
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        return None
    sandbox_of(request).state.requests[-1]["json"] = body
    return body if isinstance(body, dict) else None
