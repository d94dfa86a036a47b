"""What a search asks for, and the opaque cursor that continues it. Pure.

Results are ordered by (created_at, id): a customer's place never changes, so a keyset cursor
after the last one shown neither skips nor repeats anyone while customers are added (new ones
sort last, or after the cursor). The cursor is opaque to clients: base64url of the position and
a fingerprint of the filters, so a cursor from one search cannot continue another.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import uuid
from dataclasses import astuple, dataclass
from typing import Literal

import orjson

from mumble.errors import BadRequest, Refusal

INVALID_CURSOR = Refusal(BadRequest, "Invalid cursor")
CURSOR_MAX = 200


@dataclass(frozen=True)
class Filters:
    """The filters of one search; empty ones do not filter."""

    labels: tuple[str, ...] = ()
    labels_match: Literal["any", "all"] = "any"
    statuses: tuple[str, ...] = ()
    # An id, or "none" for customers without one.
    agent_id: str | None = None
    team_id: str | None = None
    # "AI", a flow bot's id, or "none" (no bot answers).
    bot: str | None = None
    created_since: dt.datetime | None = None
    updated_since: dt.datetime | None = None
    last_interaction_before: dt.datetime | None = None
    last_interaction_after: dt.datetime | None = None
    # A marketing consent state: opted_in, opted_out or unknown.
    consent: str | None = None
    # Part of a name or email (case-insensitive), or the start of a phone number.
    query: str | None = None

    def fingerprint(self) -> str:
        """A short digest of the filters, carried by the cursor."""
        values = orjson.dumps(astuple(self), default=str)
        return hashlib.sha256(values).hexdigest()[:12]


@dataclass(frozen=True)
class Position:
    """Where a page ends: the last customer shown."""

    created_at: dt.datetime
    customer_id: uuid.UUID


def encode_cursor(position: Position, filters: Filters) -> str:
    raw = orjson.dumps(
        [position.created_at.isoformat(), str(position.customer_id), filters.fingerprint()]
    )
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, filters: Filters) -> Position:
    """The position a cursor names; 400 "Invalid cursor" for anything else, a cursor of
    another search included."""
    try:
        padded = cursor.strip() + "=" * (-len(cursor.strip()) % 4)
        created, customer, fingerprint = orjson.loads(base64.urlsafe_b64decode(padded))
        moment = dt.datetime.fromisoformat(created)
        position = Position(moment, uuid.UUID(customer))
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError):
        raise INVALID_CURSOR() from None
    if fingerprint != filters.fingerprint() or moment.tzinfo is None:
        raise INVALID_CURSOR(details=["The cursor belongs to a search with other filters"])
    return position
