"""HTTP routes of the bots API: listing bots and assigning one to a customer."""

from __future__ import annotations

from typing import Any

from mumble.bots import service
from mumble.endpoint import Call, api_route
from mumble.params import required_phone, required_str


async def get_bots(call: Call) -> dict[str, Any]:
    """GET get-bots: `{"id", "name"}` of every bot of the account."""
    return {"success": True, "bots": await service.list_bots(call.principal.account_id)}


async def assign_bot(call: Call) -> dict[str, Any]:
    """POST assign-bot: a bot id of the account, "AI" or "turn_off"; else 404."""
    phone = required_phone(call.params)
    token = required_str(call.params, "bot_token", "Bot token is required.")
    await service.assign_bot(call.principal.account_id, phone, token)
    return {"success": True, "message": "Bot assigned successfully"}


routes = [
    api_route("/get-bots", get_bots, methods=["GET"], permission="bots:read"),
    api_route("/assign-bot", assign_bot, methods=["POST"], permission="bots:assign"),
]
