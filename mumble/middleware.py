"""The app's pure ASGI middleware: the access middleware (request ids, quota headers, metrics,
the access-log line) and the body deadline."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mumble.errors import RequestTimeout
from mumble.observability import metrics

access_log = logging.getLogger("mumble.access")

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
UNMATCHED = "unmatched"


def route_template(scope: Scope, entry_root_path: str) -> str:
    """The template of the route that answered (`/mumbleapi/get-customer`), never the raw path.

    Starlette leaves the innermost matched route in `scope["route"]` and the mount prefixes in
    `root_path`. No route, or a router mount with nothing matched inside, is `unmatched`: raw
    paths of 404s would let any client mint new label values.
    """
    route = scope.get("route")
    if route is None:
        return UNMATCHED
    prefix = str(scope.get("root_path", ""))[len(entry_root_path) :]
    if isinstance(route, Mount):
        # An app mount (static files) answers for every path below it.
        return UNMATCHED if route.routes else prefix + "/{path}"
    path = getattr(route, "path", None)
    return prefix + path if isinstance(path, str) else UNMATCHED


class AccessMiddleware:
    """Everything every request gets on its way in and out, whatever route answers it.

    Accepts a sane inbound X-Request-ID or mints one and echoes it on the response; adds the
    rate-limit headers the guard decided (errors included); counts the request in the metrics
    and writes its one access-log line (route template, status, latency, account).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        inbound = ""
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                inbound = value.decode("latin-1")
                break
        # 32 random hex digits, like uuid4().hex but without building a UUID on every request.
        request_id = inbound if _SAFE_REQUEST_ID.match(inbound) else os.urandom(16).hex()
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        entry_root_path = str(scope.get("root_path", ""))
        started = time.perf_counter()
        status_holder = [0]

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder[0] = message["status"]
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = request_id
                # Headers decided before the handler ran (rate-limit quota); a response's own win.
                for name, value in state.get("response_headers", {}).items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        metrics.HTTP_IN_PROGRESS.inc()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            metrics.HTTP_IN_PROGRESS.dec()
            seconds = time.perf_counter() - started
            # No response started means the app raised: the error handler answers 500.
            status = status_holder[0] or 500
            route = route_template(scope, entry_root_path)
            metrics.observe_request(scope["method"], route, status, seconds)
            level = logging.DEBUG if scope["path"] in metrics.PROBE_PATHS else logging.INFO
            if access_log.isEnabledFor(level):
                _log_request(scope, state, request_id, route, status, seconds, level)


def _log_request(
    scope: Scope,
    state: dict[str, Any],
    request_id: str,
    route: str,
    status: int,
    seconds: float,
    level: int,
) -> None:
    """The access line: never headers, bodies or the query string (they carry keys and data)."""
    principal = state.get("principal")
    access_log.log(
        level,
        "request",
        extra={
            "request_id": request_id,
            "method": scope["method"],
            "route": route,
            # The path only: a query string can carry customer data.
            "path": scope["path"],
            "status": status,
            "account": str(principal.account_id) if principal else None,
            "latency_ms": round(seconds * 1000, 2),
        },
    )


BODY_TIMEOUT = "Request body not received in time"


class BodyDeadline:
    """A request's whole body must arrive within `seconds` of the request reaching the app.

    A client trickling a body (an unauthenticated /webhooks/whatsapp POST included) would hold
    its connection and a task for as long as it likes; past the deadline the read raises 408
    (in the envelope, with `Connection: close`), whatever is reading the body. Once the body is
    complete, `receive` is passed through untouched (disconnect listeners may wait on it).
    """

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        deadline = asyncio.get_running_loop().time() + self.seconds
        complete = False

        async def receive_in_time() -> Message:
            nonlocal complete
            if complete:
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise RequestTimeout(BODY_TIMEOUT, headers={"Connection": "close"}) from None
            complete = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        await self.app(scope, receive_in_time, send)
