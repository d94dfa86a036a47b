"""The sandbox's ASGI app: the routes around a `SandboxCore`, and `Sandbox`, a core with its app.

Graph endpoints (any version segment), the media download URL and the control API under
`/_sandbox/`. The lifespan opens and closes the core's webhook sender.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

import mumble.sandbox.control as control
import mumble.sandbox.graph as graph
import mumble.sandbox.media as media
from mumble.sandbox.core import SandboxCore
from mumble.sandbox.http import error

MAX_BODY = 110 * 1024 * 1024  # documents may be 100 MB at Meta


async def _http_error(request: Request, exc: Exception) -> Response:
    """Routing refusals (404, 405) in Meta's Graph error shape, not as plain text."""
    assert isinstance(exc, HTTPException)
    if request.url.path.startswith("/_sandbox/"):
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code)
    return error(100, status=exc.status_code, message="Unsupported request", details=exc.detail)


def build_app(core: SandboxCore) -> Starlette:
    """The Starlette app serving `core`; handlers find it as `request.app.state.sandbox`."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await core.sender.open()
        try:
            yield
        finally:
            await core.sender.close()

    app = Starlette(
        routes=[
            Mount("/_sandbox", routes=control.routes),
            Route("/_media/{media_id}", media.download, name="media_download"),
            Route("/{version}/{node}/{edge}", graph.post_edge, methods=["POST"]),
            Route("/{version}/{node}/{edge}", graph.get_edge, methods=["GET"]),
            Route("/{version}/{node}/{edge}", graph.delete_edge, methods=["DELETE"]),
            Route("/{version}/{node}", graph.node, methods=["GET", "POST", "DELETE"]),
        ],
        lifespan=lifespan,
        max_body_size=MAX_BODY,
        exception_handlers={HTTPException: _http_error},
    )
    app.state.sandbox = core
    return app


class Sandbox(SandboxCore):
    """A sandbox with its app: `Sandbox(...).app` is what uvicorn or a test serves."""

    @functools.cached_property
    def app(self) -> Starlette:
        return build_app(self)
