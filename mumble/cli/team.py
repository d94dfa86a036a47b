"""`mumble agent|team|bot …`: the people and bots conversations are routed to."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

import orjson

from mumble.accounts.service import get_account
from mumble.bots import service as bots_service
from mumble.cli.output import add_json_flag, emit
from mumble.team import service as team_service


async def _agent(args: argparse.Namespace) -> None:
    agent = await team_service.create_agent(args.account, args.name, args.email)
    emit(args, {"id": str(agent.id), "name": agent.name}, str(agent.id))


async def _team(args: argparse.Namespace) -> None:
    team = await team_service.create_team(args.account, args.name, args.member)
    emit(args, {"id": str(team.id), "name": team.name}, str(team.id))


def _flow_file(path: str | None) -> Any:
    """The flow document in a JSON file (None without --flow); its checks are the API's."""
    return orjson.loads(Path(path).read_bytes()) if path else None


async def _bot(args: argparse.Namespace) -> None:
    flow = _flow_file(args.flow)
    bot = await bots_service.create_bot(args.account, args.name, flow, dt.datetime.now(dt.UTC))
    emit(args, {"id": str(bot.id), "name": bot.name}, str(bot.id))


async def _bot_edit(args: argparse.Namespace) -> None:
    account = await get_account(args.account)
    bot = await bots_service.edit_bot(
        account.id, args.bot_id, args.name, _flow_file(args.flow), dt.datetime.now(dt.UTC)
    )
    view = {"id": str(bot.id), "name": bot.name, "version": bot.flow_version}
    emit(args, view, f"{bot.id}  version {bot.flow_version}")


async def _agents(args: argparse.Namespace) -> None:
    account = await get_account(args.account)
    agents = await team_service.list_agents(account.id)
    lines = [f"{agent['id']}  {agent['name']}" for agent in agents]
    emit(args, {"account": str(account.id), "agents": agents}, "\n".join(lines) or "no agents")


def _team_lines(team: dict[str, object]) -> list[str]:
    members = team["members"]
    assert isinstance(members, list)
    return [f"{team['id']}  {team['name']}"] + [
        f"    {member['id']}  {member['name']}" for member in members
    ]


async def _teams(args: argparse.Namespace) -> None:
    account = await get_account(args.account)
    teams = await team_service.list_teams(account.id)
    lines = [line for team in teams for line in _team_lines(team)]
    emit(args, {"account": str(account.id), "teams": teams}, "\n".join(lines) or "no teams")


async def _membership(args: argparse.Namespace) -> None:
    account = await get_account(args.account)
    change = team_service.add_member if args.adding else team_service.remove_member
    team = await change(account.id, args.team_id, args.agent_id)
    view = await team_service.team_with_members(team)
    emit(args, view, "\n".join(_team_lines(view)))


async def _bots(args: argparse.Namespace) -> None:
    account = await get_account(args.account)
    bots = await bots_service.list_bots(account.id)
    lines = [f"{bot['id']}  {bot['name']}" for bot in bots]
    emit(args, {"account": str(account.id), "bots": bots}, "\n".join(lines) or "no bots")


def _account_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--account", required=True, help="account id")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for noun, create_run, list_run in (
        ("agent", _agent, _agents),
        ("team", _team, _teams),
        ("bot", _bot, _bots),
    ):
        parser = subparsers.add_parser(noun, help=f"manage {noun}s")
        commands = parser.add_subparsers(dest=f"{noun}_command", required=True)
        create = commands.add_parser("create", help=f"create a {noun}; prints its id")
        _account_flag(create)
        create.add_argument("name")
        if noun == "agent":
            create.add_argument("--email")
        if noun == "team":
            create.add_argument("--member", action="append", default=[], help="agent id")
        if noun == "bot":
            create.add_argument("--flow", help="a JSON file holding the bot's flow")
        add_json_flag(create)
        create.set_defaults(run=create_run)
        listing = commands.add_parser("list", help=f"list the account's {noun}s, oldest first")
        _account_flag(listing)
        add_json_flag(listing)
        listing.set_defaults(run=list_run)
        if noun == "team":
            _membership_commands(commands)
        if noun == "bot":
            edit = commands.add_parser("edit", help="rename a bot or save a new flow version")
            _account_flag(edit)
            edit.add_argument("bot_id")
            edit.add_argument("--name")
            edit.add_argument("--flow", help="a JSON file holding the new flow")
            add_json_flag(edit)
            edit.set_defaults(run=_bot_edit)


def _membership_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    for name, adding, text in (
        ("add-member", True, "put an agent in a team"),
        ("remove-member", False, "take an agent out of a team"),
    ):
        cmd = commands.add_parser(name, help=f"{text}; prints the team")
        _account_flag(cmd)
        cmd.add_argument("team_id")
        cmd.add_argument("agent_id")
        add_json_flag(cmd)
        cmd.set_defaults(run=_membership, adding=adding)
