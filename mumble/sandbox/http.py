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
_TITLES = {
    0: "AuthException",
    1: "API Unknown",
    2: "API Service",
    4: "Application request limit reached",
    190: "Invalid OAuth access token - Cannot parse access token",
    80007: "Rate limit issues",
    130429: "Rate limit hit",
    131000: "Something went wrong",
    131047: "Re-engagement message",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    132000: "Number of parameters does not match the expected number of params",
    132001: "Template name does not exist in the translation",
    132005: "Translated text too long",
    132007: "Template Format Character Policy Violated",
    132012: "Parameter format does not match format in the created template",
    132015: "Template is Paused",
    132016: "Template is Disabled",
    133004: "Server Temporarily Unavailable",
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
        code, message or _TITLES.get(code, "Invalid parameter"), subcode=subcode, details=details
    )
    return JSONResponse(body, status_code=status or _HTTP_STATUS.get(code, 400), headers=headers)


async def json_body(request: Request) -> dict[str, Any] | None:
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        return None
    sandbox_of(request).state.requests[-1]["json"] = body
    return body if isinstance(body, dict) else None
