"""`mumble account …`: create, list and show accounts, set their WhatsApp channel, block and
unblock them."""

from __future__ import annotations

import argparse

import aiohttp

from mumble.accounts import service
from mumble.cli.output import add_json_flag, emit
from mumble.clock import SYSTEM_CLOCK
from mumble.consent import account_keywords
from mumble.errors import BadRequest
from mumble.pacing import channel as pace
from mumble.settings import Settings
from mumble.whatsapp.client import GraphClient
from mumble.whatsapp.errors import WhatsAppError


def _channel_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--phone-number-id", help="the WhatsApp phone number id")
    parser.add_argument("--waba-id", help="the WhatsApp Business Account id")
    parser.add_argument("--access-token", help="the Graph API access token (kept secret)")
    parser.add_argument("--display-phone", help="the business phone number, digits")


def _channel(args: argparse.Namespace) -> service.ChannelSettings:
    return service.ChannelSettings(
        phone_number_id=args.phone_number_id,
        waba_id=args.waba_id,
        access_token=args.access_token,
        display_phone=args.display_phone,
    )


async def _create(args: argparse.Namespace) -> None:
    account = await service.create_account(args.name, _channel(args))
    emit(args, {"id": str(account.id), "name": account.name}, str(account.id))


async def _set_channel(args: argparse.Namespace) -> None:
    account = await service.set_channel(args.account_id, _channel(args))
    emit(
        args,
        {
            "id": str(account.id),
            "phone_number_id": account.phone_number_id,
            "waba_id": account.waba_id,
        },
        f"channel updated for {account.id}",
    )


async def _block(args: argparse.Namespace) -> None:
    account = await service.set_blocked(args.account_id, args.blocked)
    state = "blocked" if account.is_blocked else "active"
    emit(args, {"id": str(account.id), "status": state}, f"{account.id} {state}")


def _line(view: dict[str, object]) -> str:
    return (
        f"{view['id']}  {view['status']:<7}  phone_number_id={view['phone_number_id'] or '-'}  "
        f"{view['name']}"
    )


async def _list(args: argparse.Namespace) -> None:
    views = [service.account_view(account) for account in await service.list_accounts()]
    emit(args, {"accounts": views}, "\n".join(_line(view) for view in views) or "no accounts")


async def _show(args: argparse.Namespace) -> None:
    account = await service.get_account(args.account_id)
    view = {**service.account_view(account), **await service.holdings(account.id)}
    text = "\n".join(
        f"{name}: {value if value is not None else '-'}" for name, value in view.items()
    )
    emit(args, view, text)


def _words(raw: str | None) -> list[str] | None:
    return None if raw is None else raw.split(",")


async def _set_keywords(args: argparse.Namespace) -> None:
    stop, start = (None, None) if args.defaults else (_words(args.stop), _words(args.start))
    chosen = await account_keywords.set_account_keywords(args.account_id, stop, start)
    emit(args, chosen, f"stop: {', '.join(chosen['stop'])}\nstart: {', '.join(chosen['start'])}")


async def _set_pace(args: argparse.Namespace) -> None:
    mps = None if args.level_default else args.throughput_mps
    if mps is None and not args.level_default and args.coexistence is None:
        raise BadRequest("give --throughput-mps N, --level-default or --coexistence/--no-...")
    account = await pace.set_pace(args.account_id, mps=mps, coexistence=args.coexistence)
    view = pace.pace_view(account, Settings.from_env().pace_default_mps)
    emit(args, {"id": str(account.id), **view}, _pace_text(view))


async def _refresh_pace(args: argparse.Namespace) -> None:
    settings = Settings.from_env()
    account = await service.get_account(args.account_id)
    async with aiohttp.ClientSession() as http:
        graph = GraphClient(http, settings.graph_api_url, settings.whatsapp_api_version)
        try:
            account = await pace.refresh_from_graph(graph, account, SYSTEM_CLOCK.now())
        except WhatsAppError as exc:
            raise BadRequest(f"WhatsApp answered {exc.code}: {exc.title}") from None
    view = pace.pace_view(account, settings.pace_default_mps)
    emit(args, {"id": str(account.id), **view}, _pace_text(view))


def _pace_text(view: dict[str, object]) -> str:
    return "\n".join(f"{k}: {v if v is not None else '-'}" for k, v in view.items())


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    account = subparsers.add_parser("account", help="manage accounts")
    commands = account.add_subparsers(dest="account_command", required=True)

    create = commands.add_parser("create", help="create an account; prints its id")
    create.add_argument("name")
    _channel_flags(create)
    add_json_flag(create)
    create.set_defaults(run=_create)

    listing = commands.add_parser("list", help="list every account with its channel")
    add_json_flag(listing)
    listing.set_defaults(run=_list)

    show = commands.add_parser("show", help="an account, its channel and what it holds")
    show.add_argument("account_id")
    add_json_flag(show)
    show.set_defaults(run=_show)

    channel = commands.add_parser("set-channel", help="change an account's WhatsApp channel")
    channel.add_argument("account_id")
    _channel_flags(channel)
    add_json_flag(channel)
    channel.set_defaults(run=_set_channel)

    words = commands.add_parser(
        "set-consent-keywords",
        help="the account's own stop/start keywords (a kind not given keeps the defaults)",
    )
    words.add_argument("account_id")
    words.add_argument("--stop", help="comma-separated words that opt a customer out")
    words.add_argument("--start", help="comma-separated words that opt a customer back in")
    words.add_argument("--defaults", action="store_true", help="back to the default keywords")
    add_json_flag(words)
    words.set_defaults(run=_set_keywords)

    paced = commands.add_parser(
        "set-pace", help="the number's messages per second (outbound pacing)"
    )
    paced.add_argument("account_id")
    chosen = paced.add_mutually_exclusive_group()
    chosen.add_argument("--throughput-mps", type=int, help="messages per second (1-1000)")
    chosen.add_argument(
        "--level-default", action="store_true", help="back to the level Meta reports"
    )
    paced.add_argument(
        "--coexistence",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="a number shared with the WhatsApp Business app (20/s)",
    )
    add_json_flag(paced)
    paced.set_defaults(run=_set_pace)

    refresh = commands.add_parser(
        "refresh-pace", help="read the number's throughput level and messaging limit from Meta"
    )
    refresh.add_argument("account_id")
    add_json_flag(refresh)
    refresh.set_defaults(run=_refresh_pace)

    for name, blocked in (("block", True), ("unblock", False)):
        cmd = commands.add_parser(name, help=f"{name} an account's API usage")
        cmd.add_argument("account_id")
        add_json_flag(cmd)
        cmd.set_defaults(run=_block, blocked=blocked)
