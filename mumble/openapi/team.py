"""OpenAPI descriptions of the agents, teams and bots endpoints."""

from __future__ import annotations

from mumble.openapi.spec import PHONE, Op, array, message_only, obj, string, success

_NAMED = obj({"name": string(), "id": string()}, ("name", "id"))

OPS: dict[str, Op] = {
    "/get-agents": Op(
        "List all agents (sub-users) in your account.",
        "Agents & Teams",
        success({"agents": array(_NAMED)}, ("agents",)),
    ),
    "/get-teams": Op(
        "List all teams in your account, with their members.",
        "Agents & Teams",
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
    ),
    "/get-bots": Op(
        "List all chatbots in your account.",
        "Bots",
        success({"bots": array(obj({"id": string(), "name": string()}, ("id", "name")))}),
    ),
    "/assign-bot": Op(
        "Assign a chatbot to a customer.",
        "Bots",
        message_only("Bot assigned successfully"),
        {
            "customer_phone": PHONE,
            "bot_token": string(
                'A flow chatbot\'s id, "AI" for Dolores AI, or "turn_off".', maxLength=200
            ),
        },
        ("customer_phone", "bot_token"),
        {
            400: ("Phone number is required.", "Bot token is required."),
            404: ("Customer not found", "Bot not found."),
        },
    ),
}
