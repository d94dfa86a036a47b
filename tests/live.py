"""Serve an ASGI app over a real loopback socket inside the test's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator

import uvicorn
from starlette.types import ASGIApp

_GRACE_SECONDS = 10.0


@contextlib.asynccontextmanager
async def serve(app: ASGIApp, *, host: str = "127.0.0.1") -> AsyncIterator[str]:
    """Run `app` under uvicorn (lifespan included) on a free port; yields its base URL."""
    # proto=IPPROTO_TCP matters: asyncio only disables Nagle (TCP_NODELAY) on accepted sockets
    # whose proto says TCP, and with Nagle every request waited ~40 ms for a delayed ACK.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, lifespan="on", log_level="warning", proxy_headers=False, access_log=False
    )
    server = uvicorn.Server(config)
    # Drive uvicorn's startup and shutdown ourselves: its main loop polls every 100 ms and its
    # shutdown sleeps 100 ms more, which over a thousand tests is minutes of waiting.
    config.load()
    server.lifespan = config.lifespan_class(config)
    await server.startup(sockets=[sock])
    if server.should_exit:
        sock.close()
        raise RuntimeError("the app's lifespan startup failed")
    try:
        yield f"http://{host if ':' not in host else f'[{host}]'}:{port}"
    finally:
        server.should_exit = True
        await _shutdown(server, sock)


async def _shutdown(server: uvicorn.Server, sock: socket.socket) -> None:
    """uvicorn's graceful shutdown, polling every 5 ms: stop accepting, drain, lifespan shutdown."""
    for listener in server.servers:
        listener.close()
    sock.close()
    state = server.server_state
    for connection in list(state.connections):
        connection.shutdown()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + _GRACE_SECONDS
    # uvicorn offers no event for "all connections closed", so poll briefly.
    while (state.connections or state.tasks) and loop.time() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.005)
    for task in list(state.tasks):
        task.cancel()
    for listener in server.servers:
        await listener.wait_closed()
    await server.lifespan.shutdown()
