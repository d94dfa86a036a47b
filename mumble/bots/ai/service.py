"""The account's AI bot configuration: set (validated completely), read without secrets, delete.

Every query is scoped by the caller's account. The URL goes through the SSRF guard when it is
saved, as webhook URLs do (and again on every call, by `pinned_request`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mumble.bots.ai.config import URL_MAX, Draft, parse_config
from mumble.clock import rfc3339
from mumble.errors import BadRequest, NotFound, Refusal
from mumble.events import signing
from mumble.models.ai import AiBot, AiKind
from mumble.urlguard import UnsafeUrl, check_url

INVALID_CONFIG = Refusal(BadRequest, "Invalid AI bot configuration")
NOT_CONFIGURED = Refusal(NotFound, "AI bot is not configured")


@dataclass(frozen=True)
class Saved:
    """The stored configuration, and the signing secret when set-ai-bot generated one."""

    bot: AiBot
    new_secret: str | None


def ai_bot_view(bot: AiBot) -> dict[str, Any]:
    """The configuration as the API shows it: never the API key or the signing secret."""
    openai = bot.kind == AiKind.OPENAI
    return {
        "kind": bot.kind.value,
        "base_url": bot.url if openai else None,
        "url": None if openai else bot.url,
        "model": bot.model,
        "has_api_key": bool(bot.api_key),
        "has_secret": bool(bot.secret),
        "system_prompt": bot.system_prompt if openai else None,
        "temperature": bot.temperature,
        "max_tokens": bot.max_tokens,
        "use_tools": bot.use_tools if openai else None,
        "handoff_marker": bot.handoff_marker,
        "max_reply_chars": bot.max_reply_chars,
        "timeout_seconds": bot.timeout_seconds,
        "attempts": bot.attempts,
        "history_messages": bot.history_messages,
        "history_chars": bot.history_chars,
        "created_at": rfc3339(bot.created_at),
        "updated_at": rfc3339(bot.updated_at),
    }


def _url_of(raw: Mapping[str, Any]) -> tuple[str, str | None]:
    """The URL parameter the kind names and its text, when it is one worth resolving."""
    kind = str(raw.get("kind", "")).strip().lower()
    name = "url" if kind == AiKind.WEBHOOK else "base_url"
    if kind not in {AiKind.OPENAI, AiKind.WEBHOOK}:
        return name, None
    value = raw.get(name)
    if isinstance(value, str) and value.strip() and len(value.strip()) <= URL_MAX:
        return name, value.strip()
    return name, None


async def check_config(raw: Mapping[str, Any], *, allow_private: bool) -> Draft:
    """The configuration, or one 400 whose details list every problem (the URL's included)."""
    draft, problems = parse_config(raw)
    name, url = _url_of(raw)
    if url is not None:
        try:
            await check_url(url, allow_private=allow_private)
        except UnsafeUrl as exc:
            problems.append(f"Invalid {name}: {exc}.")
    if draft is None or problems:
        raise INVALID_CONFIG(details=problems)
    return draft


def _values(draft: Draft, existing: AiBot | None) -> tuple[dict[str, Any], str | None]:
    """The columns to store, keeping a stored secret the draft leaves out; a generated
    signing secret is returned too, to be shown once."""
    same_kind = existing is not None and existing.kind == draft.kind
    api_key = secret = new_secret = None
    if draft.kind == AiKind.OPENAI:
        if draft.api_key is None:
            api_key = existing.api_key if same_kind and existing else None
        else:
            api_key = draft.api_key or None
    elif draft.secret is not None:
        secret = draft.secret
    elif same_kind and existing and existing.secret:
        secret = existing.secret
    else:
        secret = new_secret = signing.new_secret()
    values = {
        "kind": draft.kind,
        "url": draft.url,
        "model": draft.model,
        "api_key": api_key,
        "system_prompt": draft.system_prompt,
        "temperature": draft.temperature,
        "max_tokens": draft.max_tokens,
        "use_tools": draft.use_tools,
        "secret": secret,
        "handoff_marker": draft.handoff_marker,
        "max_reply_chars": draft.max_reply_chars,
        "timeout_seconds": draft.timeout_seconds,
        "attempts": draft.attempts,
        "history_messages": draft.history_messages,
        "history_chars": draft.history_chars,
    }
    return values, new_secret


async def _upsert(account_id: uuid.UUID, draft: Draft) -> Saved:
    async with in_transaction():
        existing = await AiBot.filter(account_id=account_id).select_for_update().first()
        values, new_secret = _values(draft, existing)
        if existing is None:
            bot = await AiBot.create(account_id=account_id, **values)
        else:
            await AiBot.filter(id=existing.id).update(**values)
            bot = await AiBot.get(id=existing.id)
    return Saved(bot, new_secret)


async def set_ai_bot(account_id: uuid.UUID, draft: Draft) -> Saved:
    """Store the account's configuration, replacing the one it had (one transaction)."""
    try:
        return await _upsert(account_id, draft)
    except IntegrityError:
        # Another set-ai-bot created the row between our read and our insert: update it.
        return await _upsert(account_id, draft)


async def get_ai_bot(account_id: uuid.UUID) -> AiBot | None:
    """The account's configuration, if it has one."""
    return await AiBot.get_or_none(account_id=account_id)


async def delete_ai_bot(account_id: uuid.UUID) -> None:
    """Delete the account's configuration; 404 when it has none."""
    if not await AiBot.filter(account_id=account_id).delete():
        raise NOT_CONFIGURED()
