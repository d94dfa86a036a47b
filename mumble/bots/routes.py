"""The bots API: listing bots and assigning one to a customer."""

from __future__ import annotations

from typing import Any

from mumble.bots import service
from mumble.customers.changes import CUSTOMER_NOT_FOUND
from mumble.customers.service import BOT_NOT_FOUND
from mumble.endpoint import Call, Endpoint, api_route
from mumble.openapi.schema import array, message_only, obj, string, success
from mumble.params import phone, required_text

TAG = "Bots"
PHONE = phone()
BOT_TOKEN = required_text(
    "bot_token",
    "Bot token is required.",
    description='A flow chatbot\'s id, "AI" for the AI assistant, or "turn_off".',
)

GET_BOTS = Endpoint(
    "GET",
    "/get-bots",
    "bots:read",
    "List all chatbots in your account.",
    TAG,
    success({"bots": array(obj({"id": string(), "name": string()}, ("id", "name")))}),
)


async def get_bots(call: Call) -> dict[str, Any]:
    return {"success": True, "bots": await service.list_bots(call.account_id)}


ASSIGN_BOT = Endpoint(
    "POST",
    "/assign-bot",
    "bots:assign",
    "Assign a chatbot to a customer.",
    TAG,
    message_only("Bot assigned successfully"),
    params=(PHONE, BOT_TOKEN),
    errors=(CUSTOMER_NOT_FOUND, BOT_NOT_FOUND),
)


async def assign_bot(call: Call) -> dict[str, Any]:
    number = call.arg(PHONE)
    await service.assign_bot(call.account_id, number, call.arg(BOT_TOKEN), call.now())
    return {"success": True, "message": "Bot assigned successfully"}


routes = [api_route(GET_BOTS, get_bots), api_route(ASSIGN_BOT, assign_bot)]
