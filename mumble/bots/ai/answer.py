"""`answer`: the AI bot's decision for one inbound turn of a customer it owns.

It reads the account's configuration and the customer's recent conversation, asks the model
(or the integrator's agent) and returns a `Reply` to send or a `HandOff`. It never leaves the
customer silently unanswered: a timeout, a connection error, a non-2xx, a malformed or empty
answer is retried (`attempts` in all, with a short backoff), and when no attempt gave an answer
the result is `HandOff("ai_failure", detail)`. A 4xx other than 408/429 is not retried: the same
request would be refused the same way. So one call takes at most about `attempts * timeout`.

Outbound calls go through the URL guard (`mumble.urlguard.pinned_request`) on the process's
shared session, as webhook deliveries do. Nothing is written: sending the reply and recording
the hand-off are the bot runtime's. Logs name the account, the kind and the failure, never the
API key, the signing secret, the prompt or the conversation.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp
import orjson

from mumble.bots.ai.agent import agent_request, read_agent_answer
from mumble.bots.ai.completions import Malformed, completion_request, read_completion
from mumble.bots.ai.history import Turn, recent_turns
from mumble.bots.ai.outcome import AiAnswer, HandOff, Reply
from mumble.bots.ai.transport import AttemptFailed, post_json
from mumble.events import signing
from mumble.models import Customer
from mumble.models.ai import AiBot, AiKind

__all__ = ["AiAnswer", "HandOff", "Reply", "answer"]

log = logging.getLogger("mumble.bots.ai")

Sleep = Callable[[float], Awaitable[None]]
BACKOFF_FIRST_SECONDS = 0.25
BACKOFF_MAX_SECONDS = 2.0
NOT_CONFIGURED = "the AI bot is not configured"
CUSTOMER_MISSING = "the customer does not exist"


@dataclass(frozen=True)
class _Request:
    """What every attempt of one turn sends, and how its answer is read."""

    url: str
    body: bytes
    headers: Callable[[], dict[str, str]]
    read: Callable[[bytes], AiAnswer]


def backoff(attempt: int) -> float:
    """Seconds to wait after failed attempt number `attempt` (1-based): 0.25, 0.5, 1, 2, 2."""
    return float(min(BACKOFF_MAX_SECONDS, BACKOFF_FIRST_SECONDS * 2 ** (attempt - 1)))


def _model_request(bot: AiBot, turns: list[Turn]) -> _Request:
    auth = {"Authorization": f"Bearer {bot.api_key}"} if bot.api_key else {}
    return _Request(
        url=f"{bot.url}/chat/completions",
        body=orjson.dumps(completion_request(bot, turns)),
        headers=lambda: auth,
        read=lambda raw: read_completion(raw, bot),
    )


def _agent_request(bot: AiBot, customer: Customer, turns: list[Turn], now: dt.datetime) -> _Request:
    payload = agent_request(bot, customer, turns, now)
    body = orjson.dumps(payload)
    secret = bot.secret or ""
    started = time.monotonic()

    def headers() -> dict[str, str]:
        # Each attempt is signed when it is sent, so a retry stays within the receiver's
        # timestamp tolerance; the id stays the same, for its dedupe.
        sent_at = int(now.timestamp() + (time.monotonic() - started))
        return signing.headers(secret, payload["id"], sent_at, body)

    return _Request(bot.url, body, headers, lambda raw: read_agent_answer(raw, bot))


async def answer(
    http: aiohttp.ClientSession,
    account_id: uuid.UUID,
    customer_id: uuid.UUID,
    now: dt.datetime,
    *,
    allow_private: bool = False,
    sleep: Sleep = asyncio.sleep,
) -> AiAnswer:
    """The AI bot's answer to the customer's conversation as it stands at `now`.

    `allow_private` is `Settings.allow_private_urls` (a local model or stand-in on a private
    address); `sleep` waits out the backoff (injectable). Database errors propagate; the
    model's and the agent's faults never do: they end as HandOff("ai_failure").
    """
    bot = await AiBot.get_or_none(account_id=account_id)
    if bot is None:
        return HandOff("ai_failure", NOT_CONFIGURED)
    customer = await Customer.get_or_none(id=customer_id, account_id=account_id)
    if customer is None:
        return HandOff("ai_failure", CUSTOMER_MISSING)
    turns = await recent_turns(
        account_id,
        customer_id,
        now,
        max_messages=bot.history_messages,
        max_chars=bot.history_chars,
    )
    if bot.kind == AiKind.OPENAI:
        request = _model_request(bot, turns)
    else:
        request = _agent_request(bot, customer, turns, now)
    failure = AttemptFailed("no attempt was made", retryable=False)
    attempt = 0
    for attempt in range(1, bot.attempts + 1):
        try:
            raw = await post_json(
                http,
                request.url,
                request.body,
                request.headers(),
                timeout_seconds=bot.timeout_seconds,
                allow_private=allow_private,
            )
            return request.read(raw)
        except AttemptFailed as exc:
            failure = exc
        except Malformed as exc:
            failure = AttemptFailed(str(exc), retryable=True)
        log.warning(
            "AI bot attempt failed",
            extra={
                "account_id": str(account_id),
                "ai_kind": bot.kind.value,
                "attempt": attempt,
                "failure": failure.detail,
            },
        )
        if not failure.retryable or attempt == bot.attempts:
            break
        await sleep(backoff(attempt))
    tries = "attempt" if attempt == 1 else "attempts"
    return HandOff("ai_failure", f"{failure.detail} ({attempt} {tries})")
