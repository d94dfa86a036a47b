"""Serve an ASGI app over a real loopback socket inside the test's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator

import uvicorn
from starlette.types import ASGIApp


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
    # Leave signal handling to pytest.
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("server exited before it started")
            await asyncio.sleep(0.005)
        yield f"http://{host if ':' not in host else f'[{host}]'}:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()
