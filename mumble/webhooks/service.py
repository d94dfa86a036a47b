"""Webhook endpoints of an account: registering, editing, testing and reading deliveries.

Every query is scoped by the caller's account: another account's webhook is simply not found.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import aiohttp
from tortoise.transactions import in_transaction

from mumble.clock import rfc3339
from mumble.db.listener import Topic, announce
from mumble.errors import BadRequest, NotFound, Refusal
from mumble.events import signing
from mumble.events.outbox import EVENT_TYPES
from mumble.events.payloads import encode, test_payload
from mumble.events.sender import post_signed
from mumble.models.events import Event
from mumble.models.states import DeliveryStatus
from mumble.models.webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from mumble.urlguard import UnsafeUrl, check_url

MAX_WEBHOOKS_PER_ACCOUNT = 20
URL_MAX = 2048
WEBHOOK_NOT_FOUND = Refusal(NotFound, "Webhook not found")
URL_REQUIRED = Refusal(BadRequest, "URL is required.")
INVALID_URL = Refusal(BadRequest, "Invalid webhook URL: {reason}")
EVENTS_REQUIRED = Refusal(BadRequest, "Events are required.")
UNKNOWN_EVENT = Refusal(BadRequest, "Unknown event type: {types}")
TOO_MANY_WEBHOOKS = Refusal(
    BadRequest, f"Cannot add more than {MAX_WEBHOOKS_PER_ACCOUNT} webhooks per account"
)
REFUSALS = (URL_REQUIRED, INVALID_URL, EVENTS_REQUIRED, UNKNOWN_EVENT)


def webhook_view(endpoint: WebhookEndpoint) -> dict[str, Any]:
    """A webhook as the API shows it (never its secret)."""
    return {
        "id": str(endpoint.id),
        "url": endpoint.url,
        "events": list(endpoint.events),
        "description": endpoint.description,
        "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason,
        "disabled_at": rfc3339(endpoint.disabled_at),
        "consecutive_failures": endpoint.consecutive_failures,
        "created_at": rfc3339(endpoint.created_at),
    }


def clean_events(raw: object) -> list[str]:
    """A non-empty list of known event types (a JSON array, or comma-separated text)."""
    if isinstance(raw, str):
        raw = [part.strip() for part in raw.split(",") if part.strip()]
    if raw is None or raw == []:
        raise EVENTS_REQUIRED()
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise BadRequest("'events' must be a list of event types")
    unknown = sorted({item for item in raw if item not in EVENT_TYPES})
    if unknown:
        raise UNKNOWN_EVENT(
            types=", ".join(unknown),
            details=[f"Known event types: {', '.join(sorted(EVENT_TYPES))}"],
        )
    return list(dict.fromkeys(raw))


async def clean_url(raw: object, *, allow_private: bool) -> str:
    """An http(s) URL whose host resolves only to addresses the server may call."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise URL_REQUIRED()
    if not isinstance(raw, str):
        raise BadRequest("'url' must be a string")
    url = raw.strip()
    if len(url) > URL_MAX:
        raise BadRequest(f"'url' is too long (at most {URL_MAX} characters)")
    try:
        await check_url(url, allow_private=allow_private)
    except UnsafeUrl as exc:
        raise INVALID_URL(reason=str(exc)) from None
    return url


def _parse_id(raw: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(raw).strip())
    except ValueError:
        raise WEBHOOK_NOT_FOUND() from None


async def find_webhook(account_id: uuid.UUID, raw_id: object) -> WebhookEndpoint:
    """The account's webhook with that id; 404 for any other id, malformed ones included."""
    endpoint = await WebhookEndpoint.get_or_none(id=_parse_id(raw_id), account_id=account_id)
    if endpoint is None:
        raise WEBHOOK_NOT_FOUND()
    return endpoint


async def create_webhook(
    account_id: uuid.UUID, url: str, events: list[str], description: str | None
) -> WebhookEndpoint:
    """Register an endpoint with a fresh signing secret (returned once, by the caller)."""
    async with in_transaction():
        if await WebhookEndpoint.filter(account_id=account_id).count() >= MAX_WEBHOOKS_PER_ACCOUNT:
            raise TOO_MANY_WEBHOOKS()
        return await WebhookEndpoint.create(
            account_id=account_id,
            url=url,
            events=events,
            description=description or None,
            secret=signing.new_secret(),
        )


async def update_webhook(
    account_id: uuid.UUID,
    raw_id: object,
    *,
    url: str | None,
    events: list[str] | None,
    enabled: bool | None,
    description: str | None,
    now: dt.datetime,
) -> WebhookEndpoint:
    """Apply the given changes. Re-enabling clears the failure count and the queued events
    (kept while disabled) are delivered from where delivery stopped."""
    endpoint = await find_webhook(account_id, raw_id)
    changes: dict[str, Any] = {}
    if url is not None:
        changes["url"] = url
    if events is not None:
        changes["events"] = events
    if description is not None:
        changes["description"] = description or None
    if enabled is True and not endpoint.enabled:
        changes.update(enabled=True, disabled_reason=None, disabled_at=None, consecutive_failures=0)
    elif enabled is False and endpoint.enabled:
        changes.update(enabled=False, disabled_reason="Disabled by the account", disabled_at=now)
    if changes:
        await WebhookEndpoint.filter(id=endpoint.id, account_id=account_id).update(**changes)
        if changes.get("enabled"):
            # Its queue resumes: the worker looks now rather than at its next poll.
            await announce(Topic.DELIVERIES)
        await endpoint.refresh_from_db()
    return endpoint


async def delete_webhook(account_id: uuid.UUID, raw_id: object) -> None:
    """Delete the endpoint with its queued deliveries and attempt log."""
    endpoint = await find_webhook(account_id, raw_id)
    if not await WebhookEndpoint.filter(id=endpoint.id, account_id=account_id).delete():
        raise WEBHOOK_NOT_FOUND()


async def test_webhook(
    account_id: uuid.UUID,
    raw_id: object,
    *,
    session: aiohttp.ClientSession,
    timeout_seconds: float,
    allow_private: bool,
    now: dt.datetime,
) -> dict[str, Any]:
    """Send a signed sample event now (even to a disabled endpoint) and report the answer."""
    endpoint = await find_webhook(account_id, raw_id)
    payload = test_payload(account_id, endpoint.id, now)
    outcome = await post_signed(
        session,
        endpoint.url,
        endpoint.secret,
        payload["id"],
        encode(payload),
        timestamp=int(now.timestamp()),
        timeout_seconds=timeout_seconds,
        allow_private=allow_private,
    )
    return {
        "delivered": outcome.ok,
        "event_id": payload["id"],
        "status_code": outcome.status_code,
        "latency_ms": outcome.latency_ms,
        "error": outcome.error,
    }


async def list_webhooks(account_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every webhook of the account, oldest first."""
    endpoints = await WebhookEndpoint.filter(account_id=account_id).order_by("created_at", "id")
    return [webhook_view(endpoint) for endpoint in endpoints]


async def recent_attempts(
    account_id: uuid.UUID, raw_id: object, limit: int
) -> list[dict[str, Any]]:
    """The endpoint's latest attempts, newest first, with each delivery's state and next retry."""
    endpoint = await find_webhook(account_id, raw_id)
    attempts = (
        await WebhookAttempt.filter(endpoint_id=endpoint.id).order_by("-id").limit(limit).values()
    )
    delivery_ids = {row["delivery_id"] for row in attempts}
    deliveries = {
        row["id"]: row
        for row in await WebhookDelivery.filter(id__in=delivery_ids).values(
            "id", "status", "next_attempt_at", "event_seq"
        )
    }
    events = {
        row["seq"]: row
        for row in await Event.filter(
            seq__in={row["event_seq"] for row in deliveries.values()}
        ).values("seq", "id", "type")
    }
    result = []
    for row in attempts:
        delivery = deliveries[row["delivery_id"]]
        event = events[delivery["event_seq"]]
        retrying = delivery["status"] == DeliveryStatus.FAILED
        result.append(
            {
                "event_id": str(event["id"]),
                "event_type": event["type"],
                "attempt": row["number"],
                "attempted_at": rfc3339(row["attempted_at"]),
                "succeeded": row["succeeded"],
                "status_code": row["status_code"],
                "latency_ms": row["latency_ms"],
                "error": row["error"],
                "delivery_status": delivery["status"],
                "next_retry_at": rfc3339(delivery["next_attempt_at"]) if retrying else None,
            }
        )
    return result
