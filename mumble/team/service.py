"""Agents and teams: created by the admin CLI, listed and assigned through the API."""

from __future__ import annotations

import uuid

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mumble.accounts.service import get_account
from mumble.errors import Conflict, NotFound
from mumble.models import Agent, Team
from mumble.text import checked_name


async def list_agents(account_id: uuid.UUID) -> list[dict[str, str]]:
    """Every agent of the account, oldest first: `{"name", "id"}`."""
    rows = (
        await Agent.filter(account_id=account_id).order_by("created_at", "id").values("id", "name")
    )
    return [{"name": row["name"], "id": str(row["id"])} for row in rows]


async def list_teams(account_id: uuid.UUID) -> list[dict[str, object]]:
    """Every team of the account, oldest first, with its members (`{"name", "id"}` each)."""
    teams = (
        await Team.filter(account_id=account_id)
        .order_by("created_at", "id")
        .prefetch_related("members")
    )
    return [
        {
            "name": team.name,
            "id": str(team.id),
            "members": [
                {"name": agent.name, "id": str(agent.id)}
                for agent in sorted(team.members, key=lambda a: (a.created_at, str(a.id)))
            ],
        }
        for team in teams
    ]


async def create_agent(account_id: str | uuid.UUID, name: str, email: str | None = None) -> Agent:
    """Create an agent (sub-user) of the account; 404 when the account does not exist."""
    account = await get_account(account_id)
    name = checked_name(name)
    try:
        async with in_transaction():
            return await Agent.create(account=account, name=name, email=email)
    except IntegrityError:
        raise Conflict(f"Agent name already exists: {name}") from None


async def create_team(
    account_id: str | uuid.UUID, name: str, member_ids: list[str] | None = None
) -> Team:
    """Create a team; every member must be an agent of the same account."""
    account = await get_account(account_id)
    members: list[Agent] = []
    for raw in member_ids or []:
        try:
            agent_id = uuid.UUID(str(raw))
        except ValueError:
            raise NotFound(f"Agent not found: {raw}") from None
        agent = await Agent.get_or_none(id=agent_id, account=account)
        if agent is None:
            raise NotFound(f"Agent not found: {raw}")
        members.append(agent)
    name = checked_name(name)
    try:
        async with in_transaction():
            team = await Team.create(account=account, name=name)
            if members:
                await team.members.add(*members)
    except IntegrityError:
        raise Conflict(f"Team name already exists: {name}") from None
    return team
