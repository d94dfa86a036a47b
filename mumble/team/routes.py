"""The team API: listing agents and teams (they are created by the admin CLI)."""

from __future__ import annotations

from typing import Any

from mumble.endpoint import Call, Endpoint, api_route
from mumble.openapi.schema import array, obj, string, success
from mumble.team import service

TAG = "Agents & Teams"
_NAMED = obj({"name": string(), "id": string()}, ("name", "id"))

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
    success(
        {
            "teams": array(
                obj(
                    {"name": string(), "id": string(), "members": array(_NAMED)},
                    ("name", "id", "members"),
                )
            )
        },
        ("teams",),
    ),
)


async def get_teams(call: Call) -> dict[str, Any]:
    return {"success": True, "teams": await service.list_teams(call.account_id)}


routes = [api_route(GET_AGENTS, get_agents), api_route(GET_TEAMS, get_teams)]
