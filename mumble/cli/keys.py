"""`mumble key …`: create, list, disable, enable and revoke API keys.

The plaintext is printed once, at creation; only its SHA-256 is stored.
"""

from __future__ import annotations

import argparse
import datetime as dt

from mumble.accounts import service
from mumble.cli.output import add_json_flag, emit
from mumble.errors import BadRequest


def parse_expiry(raw: str) -> dt.datetime:
    """An ISO date (`2026-12-31`: the end of that day, UTC) or datetime (UTC unless offset)."""
    try:
        if len(raw.strip()) == 10:
            day = dt.date.fromisoformat(raw.strip())
            return dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC)
        moment = dt.datetime.fromisoformat(raw.strip())
    except ValueError:
        raise BadRequest(
            f"Invalid expiry: {raw!r} (use a date like 2026-12-31 or 2026-12-31T18:00:00Z)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _split(values: list[str] | None) -> list[str]:
    # Accept both `--allow-ip a --allow-ip b` and `--allow-ip a,b`.
    return [part for value in values or [] for part in value.split(",") if part.strip()]


async def _create(args: argparse.Namespace) -> None:
    key, plaintext = await service.create_key(
        args.account,
        role=args.role,
        label=args.label or "",
        rate_limit=args.rate_limit,
        allowed_ips=_split(args.allow_ip),
        expires_at=parse_expiry(args.expires) if args.expires else None,
    )
    view = service.key_view(key)
    emit(
        args,
        view | {"key": plaintext, "account": str(args.account)},
        f"{plaintext}\nkey id: {key.id} role: {view['role']} "
        "(the key is shown only once: store it now)",
    )


async def _list(args: argparse.Namespace) -> None:
    views = [service.key_view(key) for key in await service.list_keys(args.account)]
    lines = [
        f"{v['id']}  {v['prefix']}…  {v['status']:<8}  role={v['role']}  "
        f"limit={v['rate_limit'] or 'default'}  label={v['label']!r}  "
        f"last_used={v['last_used_at'] or '-'}"
        for v in views
    ]
    emit(args, {"account": str(args.account), "keys": views}, "\n".join(lines) or "no keys")


async def _set_status(args: argparse.Namespace) -> None:
    key = await service.set_key_status(args.key_id, args.status)
    emit(args, {"id": str(key.id), "status": key.status}, f"{key.id} {key.status}")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    key = subparsers.add_parser("key", help="manage API keys")
    commands = key.add_subparsers(dest="key_command", required=True)

    create = commands.add_parser("create", help="create a key; prints the plaintext once")
    create.add_argument("--account", required=True, help="account id")
    create.add_argument("--role", help="role name (default: the built-in full-access role)")
    create.add_argument("--rate-limit", help="this key's own limit, e.g. 60/minute, or unlimited")
    create.add_argument(
        "--allow-ip",
        action="append",
        metavar="CIDR",
        help="accept calls only from this address, CIDR or range a-b (repeatable)",
    )
    create.add_argument("--expires", metavar="DATE", help="expiry, ISO date or datetime (UTC)")
    create.add_argument("--label", help="a name to tell the key apart")
    add_json_flag(create)
    create.set_defaults(run=_create)

    listing = commands.add_parser("list", help="list an account's keys (never their secrets)")
    listing.add_argument("--account", required=True, help="account id")
    add_json_flag(listing)
    listing.set_defaults(run=_list)

    for name, status, text in (
        ("revoke", "revoked", "revoke a key for good (it stays listed)"),
        ("disable", "disabled", "suspend a key (reversible)"),
        ("enable", "active", "re-activate a disabled key"),
    ):
        cmd = commands.add_parser(name, help=text)
        cmd.add_argument("key_id")
        add_json_flag(cmd)
        cmd.set_defaults(run=_set_status, status=status)
