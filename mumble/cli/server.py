"""`mumble serve` and `mumble migrate`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import logging
import secrets
import signal
import socket
import sys
from typing import Any

import uvicorn

from mumble.accounts import service
from mumble.app import create_app
from mumble.cli.listen import bind, loopback, url_host
from mumble.cli.output import add_json_flag, emit
from mumble.cli.protocol import header_deadline_protocol
from mumble.db import migrate, open_database
from mumble.sandbox import Sandbox
from mumble.sandbox.state import ChannelInfo
from mumble.settings import Settings
from mumble.templates.service import meta_id_of

log = logging.getLogger("mumble")


# The demo account's channel on the sandbox (not a real number, and not a real token).
DEMO_CHANNEL = service.ChannelSettings(
    phone_number_id="100000000000001",
    waba_id="200000000000001",
    access_token="sandbox-demo-token",
    display_phone="15550000001",
)


async def _create_demo_account_if_empty(settings: Settings) -> None:
    """On an empty database, make a demo account and key so the first curl works."""
    async with open_database(settings.database_url):
        if await service.has_any_account():
            return
        # With the sandbox standing in for Meta, the demo account can send right away.
        channel = DEMO_CHANNEL if settings.uses_sandbox else None
        account = await service.create_account("Demo", channel)
        _, plaintext = await service.create_key(account.id, label="demo")
    sys.stdout.write(_banner(settings, str(account.id), plaintext, channel))
    sys.stdout.flush()


def _banner(
    settings: Settings, account_id: str, key: str, channel: service.ChannelSettings | None
) -> str:
    """The demo account, its key once, and the shell variables the README's walk-through uses.

    The first call it suggests changes nothing, so the walk-through's own first steps (adding
    that customer) still succeed after it."""
    api = f"http://{url_host(loopback(settings.host))}:{settings.port}/mumbleapi"
    lines = [
        "",
        "Created a demo account and API key (shown only once):",
        f"  account: {account_id}",
        f"  key:     {key}",
    ]
    variables = [f"KEY={key}", f"API={api}"]
    if channel is not None:
        lines.append(
            f"  channel: phone number id {channel.phone_number_id} on the sandbox "
            "(the phone_number_id of /_sandbox/inbound)"
        )
        variables.append(f"SB={settings.graph_api_url}/_sandbox")
    variables += ['H="Mumble-Api-Key: $KEY"', 'J="Content-Type: application/json"']
    lines += [
        "",
        "The README's walk-through starts from these shell variables:",
        *(f"  {line}" for line in variables),
        "Try:",
        '  curl -s "$API/get-all-customers?page=1" -H "$H"',
        "",
        "",
    ]
    return "\n".join(lines)


def _with_sandbox(settings: Settings) -> tuple[Settings, Sandbox | None]:
    """No real Graph URL: a sandbox beside the API, sharing an app secret (generated if unset)."""
    if not settings.uses_sandbox:
        return settings, None
    if not settings.whatsapp_app_secret:
        settings = dataclasses.replace(settings, whatsapp_app_secret=secrets.token_hex(32))
    api = url_host(loopback(settings.host))
    sandbox = Sandbox(
        webhook_url=f"http://{api}:{settings.port}/webhooks/whatsapp",
        app_secret=settings.whatsapp_app_secret,
    )
    # Its control API then also takes create-template's `data.id` (our id) for a template.
    sandbox.template_alias = meta_id_of
    demo = DEMO_CHANNEL
    sandbox.state.channels[str(demo.phone_number_id)] = ChannelInfo(
        str(demo.phone_number_id), str(demo.waba_id), str(demo.display_phone)
    )
    return settings, sandbox


async def _serve_both(
    api: uvicorn.Server, sandbox: uvicorn.Server, sockets: tuple[socket.socket, socket.socket]
) -> None:
    """Both servers in one loop; the API owns the signal handlers and stops the sandbox."""
    sandbox.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]
    task = asyncio.create_task(sandbox.serve(sockets=[sockets[1]]))
    try:
        await api.serve(sockets=[sockets[0]])
    finally:
        sandbox.should_exit = True
        await task


def _exit_cleanly_after_sigterm() -> None:
    """uvicorn re-raises SIGTERM once its graceful shutdown is over; by then the shutdown is done,
    so the re-raised signal is ignored and the process exits 0 (a clean stop, not a kill)."""
    signal.signal(signal.SIGTERM, lambda signum, frame: None)


def _uvicorn_options(settings: Settings) -> dict[str, Any]:
    return {
        "log_level": settings.log_level,
        # Forwarded headers are decided in our code against MUMBLE_TRUSTED_PROXIES only.
        "proxy_headers": False,
        "server_header": False,
        # Logging is ours (mumble.logs, JSON): uvicorn's dictConfig would replace it, and its
        # access line would repeat ours with the raw query string.
        "log_config": None,
        "access_log": False,
        # On SIGTERM: stop accepting, give in-flight requests this long, then run the lifespan
        # shutdown (webhook worker stops between deliveries, DB and HTTP sessions close).
        "timeout_graceful_shutdown": settings.shutdown_grace_seconds,
        # Slow clients: headers bounded here, the body by the app (BodyDeadline), idle kept-alive
        # connections by uvicorn.
        "http": header_deadline_protocol(settings.header_timeout_seconds),
        "timeout_keep_alive": settings.keep_alive_seconds,
    }


def serve(args: argparse.Namespace) -> None:
    settings, sandbox = _with_sandbox(Settings.from_env(host=args.host, port=args.port))
    # Both ports first: a taken one ends the command here, before anything could hang.
    api_socket = bind(settings.host, settings.port, "MUMBLE_PORT (or --port)")
    sandbox_socket = None
    if sandbox is not None:
        sandbox_socket = bind(settings.sandbox_host, settings.sandbox_port, "MUMBLE_SANDBOX_PORT")
    if settings.migrate_on_start:
        asyncio.run(migrate(settings.database_url))
        asyncio.run(_create_demo_account_if_empty(settings))
    else:
        # Replicas never race each other over the schema: `mumble migrate` ran once before.
        log.info("MUMBLE_MIGRATE_ON_START is off: no migrations, no demo account")
    options = _uvicorn_options(settings)
    app = create_app(settings)
    _exit_cleanly_after_sigterm()
    api = uvicorn.Config(app, **options)
    server = uvicorn.Server(api)
    if sandbox is None or sandbox_socket is None:
        with contextlib.suppress(KeyboardInterrupt):
            server.run(sockets=[api_socket])
        _exit_if_not_started(server)
        return
    graph = uvicorn.Config(sandbox.app, **options)
    sys.stdout.write(
        f"No MUMBLE_WHATSAPP_API_URL: the Cloud API sandbox runs on {settings.graph_api_url} "
        "(loopback only: its control API has no authentication)\n"
    )
    sys.stdout.flush()
    log.info("Cloud API sandbox on %s, loopback only", settings.graph_api_url)
    # uvicorn re-raises the stopping signal after a graceful shutdown, as uvicorn.run expects.
    with (
        contextlib.suppress(KeyboardInterrupt),
        asyncio.Runner(loop_factory=api.get_loop_factory()) as runner,
    ):
        runner.run(_serve_both(server, uvicorn.Server(graph), (api_socket, sandbox_socket)))
    _exit_if_not_started(server)


def _exit_if_not_started(server: uvicorn.Server) -> None:
    """A lifespan that failed to start (the database unreachable) exits 3, as uvicorn.run does."""
    if not server.started:
        raise SystemExit(3)


def run_migrate(args: argparse.Namespace) -> None:
    settings = Settings.from_env()
    asyncio.run(migrate(settings.database_url))
    emit(args, {"migrated": True}, "migrations applied")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve_cmd = subparsers.add_parser("serve", help="migrate, then serve the API")
    serve_cmd.add_argument("--host", help="overrides MUMBLE_HOST")
    serve_cmd.add_argument("--port", type=int, help="overrides MUMBLE_PORT")
    serve_cmd.set_defaults(main=serve)

    migrate_cmd = subparsers.add_parser("migrate", help="apply pending schema migrations")
    add_json_flag(migrate_cmd)
    migrate_cmd.set_defaults(main=run_migrate)
