"""Agents and teams: created by the admin CLI or the API, listed and assigned through the API.

Names are unique per account (the database's constraint decides, inside a savepoint, so a
duplicate is a 409 and never aborts a PostgreSQL transaction). Deleting an agent or a team
first takes its customers off it, each with customer.assigned, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mumble.accounts.service import get_account
from mumble.customers.assignment import AGENT_NOT_FOUND, TEAM_NOT_FOUND, release
from mumble.customers.service import uuid_or_none
from mumble.errors import Conflict, NotFound, Refusal
from mumble.models import Agent, Team
from mumble.text import checked_name

AGENT_EXISTS = Refusal(Conflict, "Agent already exists")
TEAM_EXISTS = Refusal(Conflict, "Team already exists")
MEMBER_NOT_FOUND = Refusal(NotFound, "Agent not found: {agent_id}")


def named(row: Agent | Team) -> dict[str, str]:
    """An agent or team as get-agents / get-teams members show it: `{"name", "id"}`."""
    return {"name": row.name, "id": str(row.id)}


async def list_agents(account_id: uuid.UUID) -> list[dict[str, str]]:
    """Every agent of the account, oldest first: `{"name", "id"}`."""
    rows = (
        await Agent.filter(account_id=account_id).order_by("created_at", "id").values("id", "name")
    )
    return [{"name": row["name"], "id": str(row["id"])} for row in rows]


def team_view(team: Team, members: Sequence[Agent]) -> dict[str, object]:
    """A team as get-teams shows it: name, id and its members (oldest first)."""
    ordered = sorted(members, key=lambda a: (a.created_at, str(a.id)))
    return {**named(team), "members": [named(agent) for agent in ordered]}


async def list_teams(account_id: uuid.UUID) -> list[dict[str, object]]:
    """Every team of the account, oldest first, with its members (`{"name", "id"}` each)."""
    teams = (
        await Team.filter(account_id=account_id)
        .order_by("created_at", "id")
        .prefetch_related("members")
    )
    return [team_view(team, list(team.members)) for team in teams]


async def create_agent(account_id: str | uuid.UUID, name: str, email: str | None = None) -> Agent:
    """Create an agent (sub-user) of the account; 404 when the account does not exist, 409
    when it has an agent by that name."""
    account = await get_account(account_id)
    try:
        async with in_transaction():
            return await Agent.create(account=account, name=checked_name(name), email=email)
    except IntegrityError:
        raise AGENT_EXISTS() from None


async def find_agent(account_id: uuid.UUID, raw_id: object) -> Agent:
    """The account's agent with this id; 404 "Agent not found" otherwise."""
    agent_id = uuid_or_none(raw_id)
    agent = await Agent.get_or_none(id=agent_id, account_id=account_id) if agent_id else None
    if agent is None:
        raise AGENT_NOT_FOUND()
    return agent


async def edit_agent(
    account_id: uuid.UUID, raw_id: object, *, name: str | None, email: str | None
) -> Agent:
    """Rename the agent and/or change its email (what is not given stays); 404, 409."""
    agent = await find_agent(account_id, raw_id)
    if name is not None:
        agent.name = checked_name(name)
    if email is not None:
        agent.email = email
    try:
        async with in_transaction():
            await agent.save(update_fields=["name", "email"])
    except IntegrityError:
        raise AGENT_EXISTS() from None
    return agent


async def delete_agent(account_id: uuid.UUID, raw_id: object, now: dt.datetime) -> int:
    """Delete the agent: its customers are unassigned first (each with customer.assigned) and
    it leaves its teams. Returns how many customers were unassigned; 404 for no such agent."""
    async with in_transaction():
        agent = await _locked(Agent, account_id, raw_id, AGENT_NOT_FOUND)
        released = await release(account_id, agent, now)
        await agent.delete()
    return released


async def _locked(
    model: type[Agent] | type[Team], account_id: uuid.UUID, raw_id: object, missing: Refusal
) -> Agent | Team:
    row_id = uuid_or_none(raw_id)
    row = None
    if row_id is not None:
        row = await model.filter(id=row_id, account_id=account_id).select_for_update().first()
    if row is None:
        raise missing()
    return row


async def _members(account: uuid.UUID, member_ids: Sequence[object]) -> list[Agent]:
    """The agents of the account with these ids, in the order given; 404 naming the first
    that is not one."""
    members: list[Agent] = []
    for raw in member_ids:
        agent_id = uuid_or_none(raw)
        agent = await Agent.get_or_none(id=agent_id, account_id=account) if agent_id else None
        if agent is None:
            raise MEMBER_NOT_FOUND(agent_id=raw)
        if agent not in members:
            members.append(agent)
    return members


async def create_team(
    account_id: str | uuid.UUID, name: str, member_ids: Sequence[object] | None = None
) -> Team:
    """Create a team; every member must be an agent of the same account (404), the name must
    be new in the account (409)."""
    account = await get_account(account_id)
    members = await _members(account.id, member_ids or [])
    try:
        async with in_transaction():
            team = await Team.create(account=account, name=checked_name(name))
            if members:
                await team.members.add(*members)
    except IntegrityError:
        raise TEAM_EXISTS() from None
    return team


async def find_team(account_id: uuid.UUID, raw_id: object) -> Team:
    """The account's team with this id; 404 "Team not found" otherwise."""
    team_id = uuid_or_none(raw_id)
    team = await Team.get_or_none(id=team_id, account_id=account_id) if team_id else None
    if team is None:
        raise TEAM_NOT_FOUND()
    return team


async def team_with_members(team: Team) -> dict[str, object]:
    """The team as get-teams shows it, read now."""
    return team_view(team, await team.members.all())


async def edit_team(
    account_id: uuid.UUID,
    raw_id: object,
    *,
    name: str | None = None,
    member_ids: Sequence[object] | None = None,
) -> Team:
    """Rename the team and/or replace its members (None: unchanged; empty: no members)."""
    team = await find_team(account_id, raw_id)
    members = await _members(account_id, member_ids) if member_ids is not None else None
    if name is not None:
        team.name = checked_name(name)
    try:
        async with in_transaction():
            await team.save(update_fields=["name"])
            if members is not None:
                await team.members.clear()
                if members:
                    await team.members.add(*members)
    except IntegrityError:
        raise TEAM_EXISTS() from None
    return team


async def add_member(account_id: uuid.UUID, raw_team: object, raw_agent: object) -> Team:
    """Put an agent of the account in the team (already in it: no change)."""
    team = await find_team(account_id, raw_team)
    agent = await find_agent(account_id, raw_agent)
    if not await team.members.filter(id=agent.id).exists():
        await team.members.add(agent)
    return team


async def remove_member(account_id: uuid.UUID, raw_team: object, raw_agent: object) -> Team:
    """Take an agent out of the team (not in it: no change)."""
    team = await find_team(account_id, raw_team)
    agent = await find_agent(account_id, raw_agent)
    await team.members.remove(agent)
    return team


async def delete_team(account_id: uuid.UUID, raw_id: object, now: dt.datetime) -> int:
    """Delete the team: its customers are unassigned first (each with customer.assigned).
    Returns how many; 404 for no such team."""
    async with in_transaction():
        team = await _locked(Team, account_id, raw_id, TEAM_NOT_FOUND)
        released = await release(account_id, team, now)
        await team.delete()
    return released
