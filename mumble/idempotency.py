"""Idempotency-Key on the endpoints declared idempotent: a retried request replays the first answer.

Same key + same request within 24 hours -> the first response (status and body), nothing done
again. Same key + a different request -> 409. Concurrent duplicates: the unique (account, key)
row decides the winner, the others wait for its stored response.

What is replayed is what was done. A success is stored; a refusal is stored only when the
operation had recorded its work first (`recorded()`: a send stored as a message, then refused by
Meta), so the retry cannot do it twice. A refusal before that (a closed window, a bad field)
sent nothing and changed nothing a retry would repeat: its key is released, and a retry once
the state has changed really runs (Stripe's rule for errors that did not reach processing).
Transient failures (429, 5xx) are never stored. Error bodies are stored as the error renderer
writes them, so a replay is byte for byte what the first client got.
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime as dt
import hashlib
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.datastructures import Headers
from starlette.responses import Response
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mumble.errors import BadRequest, Conflict, JsonResponse, MumbleError, Refusal
from mumble.models import IdempotencyRecord

HEADER = "Idempotency-Key"
TTL = dt.timedelta(hours=24)
MAX_KEY_LENGTH = 255
# How long a duplicate waits for the first request's answer before giving up with 409.
WAIT_SECONDS = 60.0
_POLL_SECONDS = 0.05
REUSED = Refusal(Conflict, "Idempotency-Key was already used with a different request")
IN_PROGRESS = Refusal(Conflict, "A request with this Idempotency-Key is still in progress")
BAD_KEY = Refusal(BadRequest, f"{HEADER} must be 1 to {MAX_KEY_LENGTH} characters")
REFUSALS = (REUSED, IN_PROGRESS, BAD_KEY)
Operation = Callable[[], Awaitable[dict[str, Any]]]


@dataclass
class _Running:
    """The key `run_once` is running an operation for, and whether it has recorded its work."""

    account_id: uuid.UUID
    key: str
    recorded: bool = False


_RUNNING: contextvars.ContextVar[_Running | None] = contextvars.ContextVar(
    "idempotency_running", default=None
)


async def recorded(message_id: int) -> None:
    """Say that the running operation stored its work as `message_id` (inside the transaction
    that stores it): a refusal from now on is replayed, and a crash sweep knows the key's
    message. Without an Idempotency-Key this does nothing."""
    running = _RUNNING.get()
    if running is None:
        return
    running.recorded = True
    await IdempotencyRecord.filter(account_id=running.account_id, key=running.key).update(
        message_id=message_id
    )


def key_of(headers: Headers) -> str | None:
    """The request's Idempotency-Key, None without one; 400 when it is empty or too long."""
    raw = headers.get(HEADER)
    if raw is None:
        return None
    key = raw.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise BAD_KEY()
    return key


def fingerprint(method: str, path: str, params: Mapping[str, Any], extra: bytes = b"") -> str:
    """SHA-256 of the endpoint, its parameters and `extra` (an uploaded file's digest)."""
    digest = hashlib.sha256()
    digest.update(method.encode() + b" " + path.encode() + b"\n")
    digest.update(orjson.dumps(dict(params), option=orjson.OPT_SORT_KEYS, default=str))
    digest.update(b"\n" + extra)
    return digest.hexdigest()


async def _claim(
    account_id: uuid.UUID, key: str, print_: str, now: dt.datetime
) -> IdempotencyRecord | None:
    """None when this request owns the key now; else the record of the request that does."""
    while True:
        try:
            async with in_transaction():
                await IdempotencyRecord.create(
                    account_id=account_id, key=key, fingerprint=print_, created_at=now
                )
            return None
        except IntegrityError:
            pass
        record = await IdempotencyRecord.get_or_none(account_id=account_id, key=key)
        if record is None:
            continue  # released by a failed first attempt: try to own it
        if record.created_at + TTL <= now:
            await IdempotencyRecord.filter(id=record.id).delete()
            continue
        return record


def _replay(record: IdempotencyRecord) -> Response:
    assert record.status_code is not None
    headers = {"Idempotent-Replayed": "true"}
    return JsonResponse(record.response, status_code=record.status_code, headers=headers)


async def _wait(record: IdempotencyRecord) -> IdempotencyRecord | None:
    """The record once its first request finished, or None when that request released it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_SECONDS
    while record.status_code is None:
        if loop.time() > deadline:
            raise IN_PROGRESS()
        await asyncio.sleep(_POLL_SECONDS)
        fresh = await IdempotencyRecord.get_or_none(id=record.id)
        if fresh is None:
            return None
        record = fresh
    return record


async def run_once(
    account_id: uuid.UUID, key: str, print_: str, now: dt.datetime, operation: Operation
) -> dict[str, Any] | Response:
    """Run `operation` once per (account, key) and replay its answer to identical retries."""
    while True:
        record = await _claim(account_id, key, print_, now)
        if record is None:
            break
        if record.fingerprint != print_:
            raise REUSED()
        finished = await _wait(record)
        if finished is not None:
            if finished.fingerprint != print_:
                raise REUSED()
            return _replay(finished)
    running = _Running(account_id, key)
    token = _RUNNING.set(running)
    try:
        result = await operation()
    except MumbleError as exc:
        if exc.status == 429 or exc.status >= 500 or not running.recorded:
            await _release(account_id, key)
        else:
            await _store(account_id, key, exc.status, exc.body())
        raise
    except BaseException:
        await _release(account_id, key)
        raise
    finally:
        _RUNNING.reset(token)
    await _store(account_id, key, 200, result)
    return result


async def _release(account_id: uuid.UUID, key: str) -> None:
    await IdempotencyRecord.filter(account_id=account_id, key=key).delete()


async def _store(account_id: uuid.UUID, key: str, status: int, body: dict[str, Any]) -> None:
    # Round-trip through JSON so the stored body is exactly what the client received.
    stored = orjson.loads(orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS))
    await IdempotencyRecord.filter(account_id=account_id, key=key).update(
        status_code=status, response=stored
    )
