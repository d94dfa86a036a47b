"""The state machines of the models, as enums stored as their text values."""

from __future__ import annotations

from enum import StrEnum


class KeyStatus(StrEnum):
    """An API key: active, disabled (reversible), revoked (final)."""

    ACTIVE = "active"
    DISABLED = "disabled"
    REVOKED = "revoked"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class MessageStatus(StrEnum):
    """Outbound: accepted -> sent -> delivered -> read, or failed. Inbound: received."""

    ACCEPTED = "accepted"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    RECEIVED = "received"


class MediaState(StrEnum):
    """A message's file: none, pending download (retried), fetched (stored), failed (gave up)."""

    NONE = "none"
    PENDING = "pending"
    FETCHED = "fetched"
    FAILED = "failed"


class DeliveryStatus(StrEnum):
    """One event for one webhook endpoint.

    pending and failed (a retry is scheduled) are due at `next_attempt_at`; in_flight is leased
    to one worker; delivered and dead (retries exhausted) are final.
    """

    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    FAILED = "failed"
    DELIVERED = "delivered"
    DEAD = "dead"

    @classmethod
    def active(cls) -> tuple[DeliveryStatus, ...]:
        """The statuses of a delivery still to be made."""
        return (cls.PENDING, cls.FAILED, cls.IN_FLIGHT)


class BotMode(StrEnum):
    """Who answers a customer automatically: the AI assistant, a flow bot, or no bot."""

    AI = "AI"
    FLOW = "bot"
    OFF = "off"

    @property
    def token(self) -> str:
        """The word the API shows and accepts for it (`bot_token`, the customer's `bot.type`)."""
        return {"AI": "AI", "bot": "flow", "off": "turn_off"}[self.value]


class Consent(StrEnum):
    """A customer's marketing consent: never given nor refused, given, or withdrawn."""

    UNKNOWN = "unknown"
    OPTED_IN = "opted_in"
    OPTED_OUT = "opted_out"


class ScheduledStatus(StrEnum):
    """A scheduled send: scheduled -> sending (claimed by one worker) -> sent or failed; or
    cancelled before it was claimed. sending past its lease is failed, never sent again."""

    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"
