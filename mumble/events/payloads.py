"""The JSON body of a webhook delivery: {id, type, account, timestamp, data}."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import orjson

from mumble.clock import rfc3339
from mumble.models.events import Event

TEST_EVENT_TYPE = "webhook.test"


def event_payload(event: Event) -> dict[str, Any]:
    """The payload of a recorded event; `id` is the event id, stable across retries (for dedupe)."""
    return {
        "id": str(event.id),
        "type": event.type,
        "account": str(event.account_id),  # type: ignore[attr-defined]  # FK column
        "timestamp": rfc3339(event.created_at),
        "data": event.data,
    }


def test_payload(account_id: uuid.UUID, webhook_id: uuid.UUID, now: dt.datetime) -> dict[str, Any]:
    """The sample event test-webhook sends; a fresh id every time."""
    return {
        "id": str(uuid.uuid4()),
        "type": TEST_EVENT_TYPE,
        "account": str(account_id),
        "timestamp": rfc3339(now),
        "data": {"webhook_id": str(webhook_id), "message": "This is a test event from Mumble."},
    }


def encode(payload: dict[str, Any]) -> bytes:
    """The exact bytes that are signed and sent."""
    return orjson.dumps(payload)
