"""The team API: agents and teams, listed and managed (each endpoint, then its handler)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mumble.customers.assignment import AGENT_NOT_FOUND, TEAM_NOT_FOUND
from mumble.endpoint import Call, Endpoint, api_route
from mumble.openapi.schema import array, integer, obj, string, success
from mumble.params import Param, normalize_email, raw_id, required_text, text, texts
from mumble.team import service
from mumble.text import NAME_MAX

TAG = "Agents & Teams"
_NAMED = obj({"name": string(), "id": string()}, ("name", "id"))
_TEAM = obj({"name": string(), "id": string(), "members": array(_NAMED)}, ("name", "id", "members"))
EMAIL_MAX = 254
MEMBERS_MAX = 100
NAME = required_text("name", "Name is required.", max_length=NAME_MAX)
NEW_NAME = text("name", max_length=NAME_MAX, description="A new name (unchanged when absent).")
EMAIL = text("email", max_length=EMAIL_MAX, description="The agent's email address.")
AGENT_ID = raw_id("agent_id", "Agent ID is required.", description="From get-agents.")
TEAM_ID = raw_id("team_id", "Team ID is required.", description="From get-teams.")
_MEMBER_IDS = texts(
    "members",
    max_items=MEMBERS_MAX,
    max_length=64,
    description="Agent ids (from get-agents): the team's members.",
)


def _read_members(params: Mapping[str, Any]) -> tuple[str, ...] | None:
    # Absent leaves the members as they are; an empty list empties the team.
    return None if params.get("members") is None else _MEMBER_IDS.read(params)


MEMBERS = Param(
    "members",
    _MEMBER_IDS.schema,
    _read_members,
    messages=_MEMBER_IDS.messages,
)
_UNASSIGNED = integer("Customers taken off it (each with customer.assigned).", minimum=0)


def _email(call: Call) -> str | None:
    raw = call.arg(EMAIL)
    return normalize_email(raw) if raw else None


GET_AGENTS = Endpoint(
    "GET",
    "/get-agents",
    "team:read",
    "List all agents (sub-users) in your account.",
    TAG,
    success({"agents": array(_NAMED)}, ("agents",)),
)


async def get_agents(call: Call) -> dict[str, Any]:
    return {"success": True, "agents": await service.list_agents(call.account_id)}


GET_TEAMS = Endpoint(
    "GET",
    "/get-teams",
    "team:read",
    "List all teams in your account, with their members.",
    TAG,
    success({"teams": array(_TEAM)}, ("teams",)),
)


async def get_teams(call: Call) -> dict[str, Any]:
    return {"success": True, "teams": await service.list_teams(call.account_id)}


ADD_AGENT = Endpoint(
    "POST",
    "/add-agent",
    "agents:write",
    "Create an agent (sub-user).",
    TAG,
    success(
        {"message": string(examples=["Agent 'Dana' created successfully"]), "agent": _NAMED},
        ("message", "agent"),
    ),
    params=(NAME, EMAIL),
    errors=(service.AGENT_EXISTS,),
)


async def add_agent(call: Call) -> dict[str, Any]:
    name = call.arg(NAME)
    agent = await service.create_agent(call.account_id, name, _email(call))
    return {
        "success": True,
        "message": f"Agent '{agent.name}' created successfully",
        "agent": service.named(agent),
    }


EDIT_AGENT = Endpoint(
    "POST",
    "/edit-agent",
    "agents:write",
    "Rename an agent or change its email.",
    TAG,
    success(
        {"message": string(examples=["Agent updated successfully"]), "agent": _NAMED},
        ("message", "agent"),
    ),
    params=(AGENT_ID, NEW_NAME, EMAIL),
    errors=(AGENT_NOT_FOUND, service.AGENT_EXISTS),
    description="What is not sent stays as it is.",
)


async def edit_agent(call: Call) -> dict[str, Any]:
    agent_id = call.arg(AGENT_ID)
    agent = await service.edit_agent(
        call.account_id, agent_id, name=call.arg(NEW_NAME), email=_email(call)
    )
    return {"success": True, "message": "Agent updated successfully", "agent": service.named(agent)}


DELETE_AGENT = Endpoint(
    "DELETE",
    "/delete-agent",
    "agents:write",
    "Delete an agent, unassigning its customers.",
    TAG,
    success(
        {
            "message": string(examples=["Agent deleted successfully"]),
            "customers_unassigned": _UNASSIGNED,
        },
        ("message", "customers_unassigned"),
    ),
    params=(AGENT_ID,),
    errors=(AGENT_NOT_FOUND,),
    description="The agent leaves its teams; each of its customers gets customer.assigned "
    "with `agent` null and `previous_agent` the agent.",
)


async def delete_agent(call: Call) -> dict[str, Any]:
    released = await service.delete_agent(call.account_id, call.arg(AGENT_ID), call.now())
    return {
        "success": True,
        "message": "Agent deleted successfully",
        "customers_unassigned": released,
    }


ADD_TEAM = Endpoint(
    "POST",
    "/add-team",
    "teams:write",
    "Create a team, optionally with members.",
    TAG,
    success(
        {"message": string(examples=["Team 'Support' created successfully"]), "team": _TEAM},
        ("message", "team"),
    ),
    params=(NAME, MEMBERS),
    errors=(service.TEAM_EXISTS, service.MEMBER_NOT_FOUND),
)


async def add_team(call: Call) -> dict[str, Any]:
    name = call.arg(NAME)
    team = await service.create_team(call.account_id, name, call.arg(MEMBERS))
    return {
        "success": True,
        "message": f"Team '{team.name}' created successfully",
        "team": await service.team_with_members(team),
    }


EDIT_TEAM = Endpoint(
    "POST",
    "/edit-team",
    "teams:write",
    "Rename a team or replace its members.",
    TAG,
    success(
        {"message": string(examples=["Team updated successfully"]), "team": _TEAM},
        ("message", "team"),
    ),
    params=(TEAM_ID, NEW_NAME, MEMBERS),
    errors=(TEAM_NOT_FOUND, service.TEAM_EXISTS, service.MEMBER_NOT_FOUND),
    description="`members` replaces the whole list (an empty list empties the team); what is "
    "not sent stays as it is.",
)


async def edit_team(call: Call) -> dict[str, Any]:
    team_id = call.arg(TEAM_ID)
    team = await service.edit_team(
        call.account_id, team_id, name=call.arg(NEW_NAME), member_ids=call.arg(MEMBERS)
    )
    return {
        "success": True,
        "message": "Team updated successfully",
        "team": await service.team_with_members(team),
    }


DELETE_TEAM = Endpoint(
    "DELETE",
    "/delete-team",
    "teams:write",
    "Delete a team, unassigning its customers.",
    TAG,
    success(
        {
            "message": string(examples=["Team deleted successfully"]),
            "customers_unassigned": _UNASSIGNED,
        },
        ("message", "customers_unassigned"),
    ),
    params=(TEAM_ID,),
    errors=(TEAM_NOT_FOUND,),
    description="Each of its customers gets customer.assigned with `team` null and "
    "`previous_team` the team. Its agents stay.",
)


async def delete_team(call: Call) -> dict[str, Any]:
    released = await service.delete_team(call.account_id, call.arg(TEAM_ID), call.now())
    return {
        "success": True,
        "message": "Team deleted successfully",
        "customers_unassigned": released,
    }


routes = [
    api_route(GET_AGENTS, get_agents),
    api_route(GET_TEAMS, get_teams),
    api_route(ADD_AGENT, add_agent),
    api_route(EDIT_AGENT, edit_agent),
    api_route(DELETE_AGENT, delete_agent),
    api_route(ADD_TEAM, add_team),
    api_route(EDIT_TEAM, edit_team),
    api_route(DELETE_TEAM, delete_team),
]
