"""HTTP routes of the team API: listing agents and teams (they are created by the admin CLI)."""

from __future__ import annotations

from typing import Any

from mumble.endpoint import Call, api_route
from mumble.team import service


async def get_agents(call: Call) -> dict[str, Any]:
    """GET get-agents: `{"name", "id"}` of every agent of the account."""
    return {"success": True, "agents": await service.list_agents(call.principal.account_id)}


async def get_teams(call: Call) -> dict[str, Any]:
    """GET get-teams: `{"name", "id", "members"}` of every team of the account."""
    return {"success": True, "teams": await service.list_teams(call.principal.account_id)}


routes = [
    api_route("/get-agents", get_agents, methods=["GET"], permission="team:read"),
    api_route("/get-teams", get_teams, methods=["GET"], permission="team:read"),
]
