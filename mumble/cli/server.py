"""`mumble serve` and `mumble migrate`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

import uvicorn

from mumble.accounts import service
from mumble.app import create_app
from mumble.db import migrate, open_database
from mumble.settings import Settings

log = logging.getLogger("mumble")


async def _create_demo_account_if_empty(settings: Settings) -> None:
    """On an empty database, make a demo account and key so the first curl works."""
    async with open_database(settings.database_url):
        if await service.has_any_account():
            return
        account = await service.create_account("Demo")
        _, plaintext = await service.create_key(account.id, label="demo")
    base = f"http://{settings.host}:{settings.port}"
    sys.stdout.write(
        "\nCreated a demo account and API key (shown only once):\n"
        f"  account: {account.id}\n  key:     {plaintext}\n\nTry:\n"
        f"  curl -s -X POST {base}/mumbleapi/add-new-customer \\\n"
        f"    -H 'Mumble-Api-Key: {plaintext}' -H 'Content-Type: application/json' \\\n"
        '    -d \'{"customer_phone": "972501234567", "name": "John Doe"}\'\n\n'
    )
    sys.stdout.flush()


def serve(args: argparse.Namespace) -> None:
    settings = Settings.from_env(host=args.host, port=args.port)
    asyncio.run(migrate(settings.database_url))
    asyncio.run(_create_demo_account_if_empty(settings))
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        # Forwarded headers are decided in our code against MUMBLE_TRUSTED_PROXIES only.
        proxy_headers=False,
        server_header=False,
    )


def run_migrate(args: argparse.Namespace) -> None:
    settings = Settings.from_env()
    asyncio.run(migrate(settings.database_url))
    sys.stdout.write("migrations applied\n")


def register(subparsers: argparse._SubParsersAction) -> None:
    serve_cmd = subparsers.add_parser("serve", help="migrate, then serve the API")
    serve_cmd.add_argument("--host", help="overrides MUMBLE_HOST")
    serve_cmd.add_argument("--port", type=int, help="overrides MUMBLE_PORT")
    serve_cmd.set_defaults(main=serve)

    migrate_cmd = subparsers.add_parser("migrate", help="apply pending schema migrations")
    migrate_cmd.set_defaults(main=run_migrate)
