"""`mumble agent|team|bot create`: the people and bots conversations are routed to."""

from __future__ import annotations

import argparse

from mumble.bots import service as bots_service
from mumble.cli.output import add_json_flag, emit
from mumble.team import service as team_service


async def _agent(args: argparse.Namespace) -> None:
    agent = await team_service.create_agent(args.account, args.name, args.email)
    emit(args, {"id": str(agent.id), "name": agent.name}, str(agent.id))


async def _team(args: argparse.Namespace) -> None:
    team = await team_service.create_team(args.account, args.name, args.member)
    emit(args, {"id": str(team.id), "name": team.name}, str(team.id))


async def _bot(args: argparse.Namespace) -> None:
    bot = await bots_service.create_bot(args.account, args.name)
    emit(args, {"id": str(bot.id), "name": bot.name}, str(bot.id))


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for noun, run in (("agent", _agent), ("team", _team), ("bot", _bot)):
        parser = subparsers.add_parser(noun, help=f"manage {noun}s")
        commands = parser.add_subparsers(dest=f"{noun}_command", required=True)
        create = commands.add_parser("create", help=f"create a {noun}; prints its id")
        create.add_argument("--account", required=True, help="account id")
        create.add_argument("name")
        if noun == "agent":
            create.add_argument("--email")
        if noun == "team":
            create.add_argument("--member", action="append", default=[], help="agent id")
        add_json_flag(create)
        create.set_defaults(run=run)
