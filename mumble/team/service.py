"""Agents and teams: created by the admin CLI, listed and assigned through the API."""

from __future__ import annotations

import uuid

from tortoise.transactions import in_transaction

from mumble.accounts.service import get_account
from mumble.errors import BadRequest, NotFound
from mumble.models import Agent, Team


def _name(raw: str) -> str:
    name = raw.strip()
    if not name or len(name) > 200:
        raise BadRequest("Name must be 1 to 200 characters")
    return name


async def create_agent(account_id: str | uuid.UUID, name: str, email: str | None = None) -> Agent:
    account = await get_account(account_id)
    return await Agent.create(account=account, name=_name(name), email=email)


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
    async with in_transaction():
        team = await Team.create(account=account, name=_name(name))
        if members:
            await team.members.add(*members)
    return team
