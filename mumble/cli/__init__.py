"""The `mumble` command: administration and serving. Every admin command takes --json."""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import NoReturn

import orjson

from mumble import logs
from mumble.cli import accounts, keys, roles, sandbox, server, team, worker
from mumble.db import open_database
from mumble.errors import MumbleError
from mumble.settings import Settings

_SERVICES = frozenset({"serve", "worker", "sandbox"})
# A usage error exits 2, as argparse's do.
_USAGE_ERROR = 2


class _Parser(argparse.ArgumentParser):
    """argparse, except that a usage error under --json is answered as a JSON error."""

    def error(self, message: str) -> NoReturn:
        if _JSON_ASKED.get():
            text = f"{self.prog}: {message}"
            sys.stdout.write(orjson.dumps({"error": True, "message": text}).decode() + "\n")
            sys.stdout.flush()
            raise SystemExit(_USAGE_ERROR)
        super().error(message)


# Whether the command line asks for --json, known before parsing (which may fail).
_JSON_ASKED: contextvars.ContextVar[bool] = contextvars.ContextVar("json_asked", default=False)


def build_parser() -> argparse.ArgumentParser:
    # Subparsers are built with the parent's class, so every level answers usage errors alike.
    parser = _Parser(prog="mumble", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module in (server, sandbox, accounts, keys, roles, team, worker):
        module.register(subparsers)
    return parser


async def _with_database(
    run: Callable[[argparse.Namespace], Awaitable[None]], args: argparse.Namespace
) -> None:
    async with open_database(Settings.from_env().database_url):
        await run(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `mumble` console script."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    _JSON_ASKED.set("--json" in arguments)
    args = build_parser().parse_args(arguments)
    if args.command in _SERVICES:
        # Long-running services log JSON lines for a log pipeline; admin commands stay readable.
        logs.configure(Settings.from_env().log_level)
    else:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
        logging.getLogger("tortoise").setLevel(logging.WARNING)
    if hasattr(args, "main"):
        args.main(args)
        return 0
    try:
        asyncio.run(_with_database(args.run, args))
    except MumbleError as exc:
        details = exc.details or []
        if getattr(args, "json", False):
            answer = {
                "error": True,
                "message": exc.message,
                **({"details": details} if details else {}),
            }
            sys.stdout.write(orjson.dumps(answer).decode() + "\n")
        else:
            # Every problem, one a line (a flow file's check lists them all).
            sys.stderr.write("".join(f"error: {line}\n" for line in [exc.message, *details]))
        return 1
    return 0
