"""`mumble key …`: create and revoke API keys. The plaintext is printed once, at creation."""

from __future__ import annotations

import argparse

from mumble.accounts import service
from mumble.cli.output import add_json_flag, emit


async def _create(args: argparse.Namespace) -> None:
    key, plaintext = await service.create_key(args.account, label=args.label or "")
    emit(
        args,
        {"id": str(key.id), "key": plaintext, "prefix": key.prefix, "account": str(args.account)},
        f"{plaintext}\nkey id: {key.id} (the key is shown only once: store it now)",
    )


async def _set_status(args: argparse.Namespace) -> None:
    key = await service.set_key_status(args.key_id, args.status)
    emit(args, {"id": str(key.id), "status": key.status}, f"{key.id} {key.status}")


def register(subparsers: argparse._SubParsersAction) -> None:
    key = subparsers.add_parser("key", help="manage API keys")
    commands = key.add_subparsers(dest="key_command", required=True)

    create = commands.add_parser("create", help="create a key; prints the plaintext once")
    create.add_argument("--account", required=True, help="account id")
    create.add_argument("--label", help="a name to tell the key apart")
    add_json_flag(create)
    create.set_defaults(run=_create)

    for name, status in (("revoke", "revoked"), ("disable", "disabled"), ("enable", "active")):
        cmd = commands.add_parser(name, help=f"{name} a key")
        cmd.add_argument("key_id")
        add_json_flag(cmd)
        cmd.set_defaults(run=_set_status, status=status)
