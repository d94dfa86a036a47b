"""`mumble sandbox`: run the local Cloud API sandbox alone (`mumble serve` starts its own).

The sandbox's control API hands out nothing secret but signs any webhook it is asked to and has no
authentication, so it listens on a loopback address only, whatever MUMBLE_HOST or --host says,
unless `--private-network` says the host is an isolated network of its own (a compose stack,
where the API containers must reach it), and then it says so loudly at start.
"""

from __future__ import annotations

import argparse
import contextlib
import sys

import uvicorn

from mumble.cli.listen import bind, is_loopback, loopback, url_host
from mumble.middleware import AccessMiddleware
from mumble.sandbox import Sandbox, SandboxConfig
from mumble.settings import Settings


def run_sandbox(args: argparse.Namespace) -> None:
    settings = Settings.from_env()
    host = args.host or settings.host
    if not args.private_network:
        host = loopback(host)
    if not is_loopback(host) and not args.private_network:
        sys.stderr.write(
            f"mumble sandbox listens on loopback only (127.0.0.1 or ::1), not on {host}: "
            "its control API has no authentication\n"
        )
        raise SystemExit(2)
    port = args.port or settings.sandbox_port
    listening = bind(host, port, "MUMBLE_SANDBOX_PORT (or --port)")
    webhook_url = args.webhook_url
    if webhook_url is None:
        api = url_host(loopback(settings.host))
        webhook_url = f"http://{api}:{settings.port}/webhooks/whatsapp"
    sandbox = Sandbox(
        webhook_url=webhook_url,
        app_secret=settings.whatsapp_app_secret,
        config=SandboxConfig(review_delay=args.review_delay),
    )
    signing = (
        "signed with MUMBLE_WHATSAPP_APP_SECRET"
        if settings.whatsapp_app_secret
        else "UNSIGNED: set MUMBLE_WHATSAPP_APP_SECRET to the API's app secret"
    )
    reach = (
        "loopback only: the control API has no authentication"
        if is_loopback(host)
        else "ON A PRIVATE NETWORK (--private-network): the control API has no authentication, "
        "never expose this port"
    )
    sys.stdout.write(
        f"Cloud API sandbox on http://{url_host(host)}:{port} ({reach}) "
        f"(Graph {settings.whatsapp_api_version}); webhooks to "
        f"{webhook_url or '(none)'}, {signing}\n"
    )
    sys.stdout.flush()
    config = uvicorn.Config(
        # One JSON access line per request, as the API writes them (uvicorn's is off).
        AccessMiddleware(sandbox.app),
        log_level=settings.log_level,
        proxy_headers=False,
        server_header=False,
        # Logging is configured by `mumble` (JSON lines); uvicorn's own config would replace it.
        log_config=None,
        access_log=False,
    )
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run(sockets=[listening])


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = subparsers.add_parser("sandbox", help="run the local WhatsApp Cloud API sandbox")
    cmd.add_argument("--host", help="a loopback address (default: loopback of MUMBLE_HOST)")
    cmd.add_argument("--port", type=int, help="overrides MUMBLE_SANDBOX_PORT")
    cmd.add_argument(
        "--webhook-url",
        help="where to post webhooks (default: the API's /webhooks/whatsapp; '' for none)",
    )
    cmd.add_argument(
        "--private-network",
        action="store_true",
        help="allow a non-loopback --host: only inside an isolated network (a compose stack)",
    )
    cmd.add_argument(
        "--review-delay",
        type=float,
        default=1.0,
        help="seconds before a submitted template is approved or rejected (default 1)",
    )
    cmd.set_defaults(main=run_sandbox)
