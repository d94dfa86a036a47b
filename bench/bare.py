"""The baseline: a bare Starlette JSON endpoint under the same uvicorn options as `mumble serve`.

`python -m bench.bare --port P` serves GET /json -> {"success": true, ...} and POST /post (reads
the body, answers {"success": true}); nothing else.
"""

from __future__ import annotations

import argparse

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bench.common import LOG_LEVEL

_BODY = {"success": True, "customer": {"name": "Bare", "phone": "972500000001", "labels": []}}


async def json_endpoint(request: Request) -> Response:
    """A constant JSON document: what serving costs before any application work."""
    return JSONResponse(_BODY)


async def post_endpoint(request: Request) -> Response:
    """Reads the body, answers a constant JSON document: the floor of a webhook or send POST."""
    await request.body()
    return JSONResponse({"success": True})


app = Starlette(
    routes=[Route("/json", json_endpoint), Route("/post", post_endpoint, methods=["POST"])]
)


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__)
    cli.add_argument("--port", type=int, required=True)
    args = cli.parse_args()
    # The same options `mumble serve` passes to uvicorn (mumble/cli/server.py).
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        log_level=LOG_LEVEL,
        proxy_headers=False,
        server_header=False,
    )


if __name__ == "__main__":
    main()
