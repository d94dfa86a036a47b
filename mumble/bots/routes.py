"""The bots API: listing, creating and deleting bots, and assigning one to a customer."""

from __future__ import annotations

from typing import Any

from mumble.bots import service
from mumble.customers.changes import CUSTOMER_NOT_FOUND
from mumble.customers.service import BOT_NOT_FOUND
from mumble.endpoint import Call, Endpoint, api_route
from mumble.messages.params import either, recipient_of
from mumble.openapi.schema import array, integer, message_only, nullable, obj, string, success
from mumble.params import phone, raw_id, required_text, text, value
from mumble.text import NAME_MAX

TAG = "Bots"
# The customer is named by phone or by business-scoped user id.
PHONE, USER_ID = either(phone())
BOT_TOKEN = required_text(
    "bot_token",
    "Bot token is required.",
    description='A flow chatbot\'s id, "AI" for the AI assistant, or "turn_off".',
)

_BOT = obj({"id": string(), "name": string()}, ("id", "name"))
NAME = required_text("name", "Name is required.", max_length=NAME_MAX)
BOT_ID = raw_id("bot_id", "Bot ID is required.", description="From get-bots.")
_FLOW_SCHEMA = obj(
    {
        "start": string("The id of the first node."),
        "nodes": obj(
            {},
            description="The nodes by id. Each has a `type`: send_text, send_media, "
            "send_template, send_buttons, send_list, wait, branch, set_label, set_field, "
            "set_status, handoff or end (see the README's Flow bots section).",
        ),
    },
    ("start", "nodes"),
    "A flow document, checked completely on save: a 400 lists every problem in `details`.",
)
FLOW = value("flow", _FLOW_SCHEMA)
NEW_NAME = text("name", max_length=NAME_MAX, description="A new name.")

GET_BOTS = Endpoint(
    "GET",
    "/get-bots",
    "bots:read",
    "List all chatbots in your account.",
    TAG,
    success({"bots": array(_BOT)}),
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
    params=(PHONE, USER_ID, BOT_TOKEN),
    errors=(CUSTOMER_NOT_FOUND, BOT_NOT_FOUND),
)


async def assign_bot(call: Call) -> dict[str, Any]:
    to = recipient_of(call, PHONE)
    await service.assign_bot(call.account_id, to, call.arg(BOT_TOKEN), call.now())
    return {"success": True, "message": "Bot assigned successfully"}


ADD_BOT = Endpoint(
    "POST",
    "/add-bot",
    "bots:write",
    "Create a flow chatbot.",
    TAG,
    success(
        {"message": string(examples=["Bot 'Welcome flow' created successfully"]), "bot": _BOT},
        ("message", "bot"),
    ),
    params=(NAME, FLOW),
    errors=(service.BOT_EXISTS, service.FLOW_INVALID),
    description="With a `flow`, the bot runs it for every customer assigned to it.",
)


async def add_bot(call: Call) -> dict[str, Any]:
    bot = await service.create_bot(call.account_id, call.arg(NAME), call.arg(FLOW), call.now())
    return {
        "success": True,
        "message": f"Bot '{bot.name}' created successfully",
        "bot": {"id": str(bot.id), "name": bot.name},
    }


DELETE_BOT = Endpoint(
    "DELETE",
    "/delete-bot",
    "bots:write",
    "Delete a flow chatbot, taking its customers off it.",
    TAG,
    success(
        {
            "message": string(examples=["Bot deleted successfully"]),
            "customers_unassigned": integer(
                "Customers taken off it (each with customer.assigned).", minimum=0
            ),
        },
        ("message", "customers_unassigned"),
    ),
    params=(BOT_ID,),
    errors=(BOT_NOT_FOUND,),
    description="Each customer it answered gets customer.assigned with `bot` null and "
    "`previous_bot` the bot.",
)


async def delete_bot(call: Call) -> dict[str, Any]:
    released = await service.delete_bot(call.account_id, call.arg(BOT_ID), call.now())
    return {
        "success": True,
        "message": "Bot deleted successfully",
        "customers_unassigned": released,
    }


EDIT_BOT = Endpoint(
    "POST",
    "/edit-bot",
    "bots:write",
    "Rename a flow chatbot or save a new version of its flow.",
    TAG,
    success(
        {
            "message": string(examples=["Bot updated successfully"]),
            "bot": obj(
                {"id": string(), "name": string(), "version": nullable(integer(minimum=1))},
                ("id", "name", "version"),
            ),
        },
        ("message", "bot"),
    ),
    params=(BOT_ID, NEW_NAME, FLOW),
    errors=(BOT_NOT_FOUND, service.BOT_EXISTS, service.FLOW_INVALID, service.NOTHING_TO_EDIT),
    description="A new flow becomes a new version: customers mid-flow finish on the version "
    "they started, new sessions start on this one.",
)


async def edit_bot(call: Call) -> dict[str, Any]:
    bot = await service.edit_bot(
        call.account_id, call.arg(BOT_ID), call.arg(NEW_NAME), call.arg(FLOW), call.now()
    )
    return {
        "success": True,
        "message": "Bot updated successfully",
        "bot": {"id": str(bot.id), "name": bot.name, "version": bot.flow_version},
    }


GET_BOT = Endpoint(
    "GET",
    "/get-bot",
    "bots:read",
    "A chatbot's flow and how many customers are at each of its nodes.",
    TAG,
    success(
        {
            "bot": obj(
                {
                    "id": string(),
                    "name": string(),
                    "version": nullable(integer("The current flow version.", minimum=1)),
                    "flow": nullable(_FLOW_SCHEMA),
                    "customers_at_nodes": obj(
                        {}, description="Customers in a running session, by node id."
                    ),
                    "customers_on_older_versions": integer(
                        "Customers finishing a session on an earlier version.", minimum=0
                    ),
                },
                ("id", "name", "version", "flow", "customers_at_nodes"),
            )
        },
        ("bot",),
    ),
    params=(BOT_ID,),
    errors=(BOT_NOT_FOUND,),
)


async def get_bot(call: Call) -> dict[str, Any]:
    return {"success": True, "bot": await service.get_bot(call.account_id, call.arg(BOT_ID))}


routes = [
    api_route(GET_BOTS, get_bots),
    api_route(ASSIGN_BOT, assign_bot),
    api_route(ADD_BOT, add_bot),
    api_route(EDIT_BOT, edit_bot),
    api_route(GET_BOT, get_bot),
    api_route(DELETE_BOT, delete_bot),
]
