"""The AI bot API: set-ai-bot, get-ai-bot and delete-ai-bot (one configuration per account)."""

from __future__ import annotations

from typing import Any

from mumble.bots.ai import config, service
from mumble.bots.ai.config import Bound
from mumble.endpoint import Call, Endpoint, api_route
from mumble.openapi.schema import (
    Schema,
    boolean,
    integer,
    message_only,
    nullable,
    obj,
    string,
    success,
)
from mumble.params import Param, value

TAG = "AI bot"


def _number(description: str, bound: Bound, *, kind: str = "number") -> Schema:
    schema: Schema = {"type": kind, "minimum": bound.minimum, "maximum": bound.maximum}
    if kind == "integer":
        schema = integer(minimum=int(bound.minimum), maximum=int(bound.maximum))
    if bound.default is not None:
        description += f" Default {bound.default:g}."
    schema["description"] = description
    return schema


KIND = value(
    "kind",
    string(
        "`openai`: an OpenAI-compatible chat-completions server; `webhook`: your own agent.",
        enum=["openai", "webhook"],
    ),
    required=True,
)
BASE_URL = value(
    "base_url",
    string(
        "openai: the server's base URL; the bot posts to `{base_url}/chat/completions` "
        "(e.g. `http://localhost:11434/v1` for Ollama, `https://api.openai.com/v1`).",
        maxLength=config.URL_MAX,
    ),
)
MODEL = value("model", string("openai: the model name.", maxLength=config.MODEL_MAX))
API_KEY = value(
    "api_key",
    string(
        "openai: sent as `Authorization: Bearer`; never shown again. Leave out to keep the "
        "stored key, send an empty string to remove it.",
        maxLength=config.API_KEY_MAX,
    ),
)
SYSTEM_PROMPT = value(
    "system_prompt",
    string("openai: the system message sent first.", maxLength=config.SYSTEM_PROMPT_MAX),
)
TEMPERATURE = value(
    "temperature",
    _number("openai: sampling temperature (default: the server's).", config.TEMPERATURE),
)
MAX_TOKENS = value(
    "max_tokens",
    _number(
        "openai: `max_tokens` of the request (default: not sent).",
        config.MAX_TOKENS,
        kind="integer",
    ),
)
USE_TOOLS = value(
    "use_tools",
    boolean(
        "openai: declare the `hand_off_to_human` tool (default true); turn it off for "
        "servers or models without tool support, the marker still hands off."
    ),
)
URL = value(
    "url",
    string(
        "webhook: your agent's URL; it gets each turn as a signed POST.", maxLength=config.URL_MAX
    ),
)
SECRET = value(
    "secret",
    string(
        "webhook: a Standard Webhooks secret (`whsec_` + base64 of 24 to 64 bytes) to sign "
        "with. Leave out to keep the stored one, or to have one generated (shown once).",
        maxLength=128,
    ),
)
MARKER = value(
    "handoff_marker",
    string(
        "Text in an answer that hands the conversation to humans (default `[HANDOFF]`).",
        maxLength=config.MARKER_MAX,
    ),
)
MAX_REPLY_CHARS = value(
    "max_reply_chars",
    _number(
        "Longer replies are cut (WhatsApp's limit is 4096).", config.MAX_REPLY_CHARS, kind="integer"
    ),
)
TIMEOUT_SECONDS = value(
    "timeout_seconds", _number("How long one attempt may take.", config.TIMEOUT_SECONDS)
)
ATTEMPTS = value(
    "attempts",
    _number(
        "Attempts before the conversation is handed off as an AI failure.",
        config.ATTEMPTS,
        kind="integer",
    ),
)
HISTORY_MESSAGES = value(
    "history_messages",
    _number("How many recent messages are sent.", config.HISTORY_MESSAGES, kind="integer"),
)
HISTORY_CHARS = value(
    "history_chars",
    _number(
        "The history's character budget (the newest messages win).",
        config.HISTORY_CHARS,
        kind="integer",
    ),
)
PARAMS: tuple[Param[Any], ...] = (
    KIND,
    BASE_URL,
    MODEL,
    API_KEY,
    SYSTEM_PROMPT,
    TEMPERATURE,
    MAX_TOKENS,
    USE_TOOLS,
    URL,
    SECRET,
    MARKER,
    MAX_REPLY_CHARS,
    TIMEOUT_SECONDS,
    ATTEMPTS,
    HISTORY_MESSAGES,
    HISTORY_CHARS,
)

AI_BOT = obj(
    {
        "kind": string(enum=["openai", "webhook"]),
        "base_url": nullable(string("openai only.")),
        "url": nullable(string("webhook only.")),
        "model": nullable(string()),
        "has_api_key": boolean("Whether an API key is stored (it is never shown)."),
        "has_secret": boolean("Whether a signing secret is stored (it is never shown)."),
        "system_prompt": nullable(string()),
        "temperature": nullable({"type": "number"}),
        "max_tokens": nullable(integer()),
        "use_tools": nullable(boolean()),
        "handoff_marker": string(),
        "max_reply_chars": integer(),
        "timeout_seconds": {"type": "number"},
        "attempts": integer(),
        "history_messages": integer(),
        "history_chars": integer(),
        "created_at": nullable(string(format="date-time")),
        "updated_at": nullable(string(format="date-time")),
    },
    ("kind", "has_api_key", "has_secret", "handoff_marker", "max_reply_chars"),
)

SET = Endpoint(
    "POST",
    "/set-ai-bot",
    "bots:write",
    "Configure the account's AI bot: an OpenAI-compatible model or your own agent.",
    TAG,
    success(
        {
            "message": string(examples=["AI bot saved"]),
            "ai_bot": AI_BOT,
            "secret": string("webhook: the generated signing secret, shown only here."),
        },
        ("message", "ai_bot"),
    ),
    params=PARAMS,
    errors=(service.INVALID_CONFIG,),
    description="Replaces the whole configuration (parameters left out take their defaults), "
    "except the API key and the signing secret, which are kept when left out. Every problem "
    "is listed in `details` of one 400. The URL must be public (the SSRF guard) unless the "
    "server allows private URLs. Customers assigned the `AI` bot are then answered by it.",
)


async def set_ai_bot(call: Call) -> dict[str, Any]:
    raw = {param.name: call.arg(param) for param in PARAMS}
    draft = await service.check_config(raw, allow_private=call.settings.allow_private_urls)
    saved = await service.set_ai_bot(call.account_id, draft)
    body: dict[str, Any] = {
        "success": True,
        "message": "AI bot saved",
        "ai_bot": service.ai_bot_view(saved.bot),
    }
    if saved.new_secret is not None:
        # Shown only here: the agent needs it to verify signatures.
        body["secret"] = saved.new_secret
    return body


GET = Endpoint(
    "GET",
    "/get-ai-bot",
    "bots:read",
    "The account's AI bot configuration, without its secrets.",
    TAG,
    success({"ai_bot": nullable(AI_BOT)}, ("ai_bot",)),
    description="`ai_bot` is null when none is configured.",
)


async def get_ai_bot(call: Call) -> dict[str, Any]:
    bot = await service.get_ai_bot(call.account_id)
    return {"success": True, "ai_bot": service.ai_bot_view(bot) if bot is not None else None}


DELETE = Endpoint(
    "POST",
    "/delete-ai-bot",
    "bots:write",
    "Delete the account's AI bot configuration.",
    TAG,
    message_only("AI bot deleted"),
    errors=(service.NOT_CONFIGURED,),
    description="Customers still assigned the `AI` bot are then handed off as an AI failure "
    "on their next message.",
)


async def delete_ai_bot(call: Call) -> dict[str, Any]:
    await service.delete_ai_bot(call.account_id)
    return {"success": True, "message": "AI bot deleted"}


routes = [
    api_route(SET, set_ai_bot),
    api_route(GET, get_ai_bot),
    api_route(DELETE, delete_ai_bot),
]
