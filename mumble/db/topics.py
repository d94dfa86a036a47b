"""What a change notice names: its channel and topics (shared by the listener and triggers)."""

from __future__ import annotations

import enum

CHANNEL = "mumble_changes"


class Topic(enum.StrEnum):
    """What changed."""

    # Keys, roles or an account's block flag: what authentication reads.
    KEYS = "keys"
    # Webhook deliveries were queued.
    DELIVERIES = "deliveries"
    # What get-customer shows; the notice names which customers (mumble.db.triggers).
    CUSTOMERS = "customers"
    # A campaign was created or resumed: its runner starts sending at once.
    CAMPAIGNS = "campaigns"
