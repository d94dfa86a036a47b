"""`mumble role …`: named permission sets that API keys belong to."""

from __future__ import annotations

import argparse
from typing import Any

from mumble.accounts import roles
from mumble.accounts.service import get_account
from mumble.cli.output import add_json_flag, emit
from mumble.permissions import PERMISSIONS


def _split(values: list[str] | None) -> list[str]:
    # Accept both `--allow a --allow b` and `--allow a,b`.
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def _text(view: dict[str, Any]) -> str:
    builtin = " (built-in)" if view["builtin"] else ""
    return f"{view['name']}{builtin}: {', '.join(view['permissions']) or '(none)'}"


async def _create(args: argparse.Namespace) -> None:
    account = await get_account(args.account)
    role = await roles.create_role(account.id, args.name, _split(args.allow))
    view = await roles.role_view(role, account.id)
    emit(args, view, _text(view))


async def _update(args: argparse.Namespace) -> None:
    account = await get_account(args.account)
    role = await roles.update_role(
        account.id, args.name, allow=_split(args.allow), deny=_split(args.deny)
    )
    view = await roles.role_view(role, account.id)
    emit(args, view, _text(view))


async def _list(args: argparse.Namespace) -> None:
    if args.account is None:
        # Without an account only the built-in role is shared by everyone.
        views = [await roles.role_view(await roles.full_access_role())]
        emit(args, {"account": None, "roles": views}, "\n".join(map(_text, views)))
        return
    account = await get_account(args.account)
    views = [await roles.role_view(role, account.id) for role in await roles.list_roles(account.id)]
    emit(args, {"account": str(account.id), "roles": views}, "\n".join(map(_text, views)))


def _permissions(args: argparse.Namespace) -> None:
    listed = [{"name": name, "action": action} for name, action in PERMISSIONS.items()]
    text = "\n".join(f"{p['name']:<20} not authorized to {p['action']}" for p in listed)
    emit(args, {"permissions": listed}, text)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    role = subparsers.add_parser("role", help="manage roles (named permission sets)")
    commands = role.add_subparsers(dest="role_command", required=True)
    perm_help = "a permission such as customers:read (repeatable; see `mumble role permissions`)"

    create = commands.add_parser("create", help="create a role of an account")
    create.add_argument("name")
    create.add_argument("--account", required=True, help="account id")
    create.add_argument("--allow", action="append", metavar="PERM", help=perm_help)
    add_json_flag(create)
    create.set_defaults(run=_create)

    update = commands.add_parser(
        "update", help="grant or withdraw permissions; every key on the role follows at once"
    )
    update.add_argument("name")
    update.add_argument("--account", required=True, help="account id")
    update.add_argument("--allow", action="append", metavar="PERM", help=perm_help)
    update.add_argument("--deny", action="append", metavar="PERM", help="withdraw a permission")
    add_json_flag(update)
    update.set_defaults(run=_update)

    listing = commands.add_parser("list", help="list the built-in role and an account's roles")
    listing.add_argument("--account", help="account id (without it: the built-in role only)")
    add_json_flag(listing)
    listing.set_defaults(run=_list)

    perms = commands.add_parser("permissions", help="list every permission name")
    add_json_flag(perms)
    perms.set_defaults(main=_permissions)
