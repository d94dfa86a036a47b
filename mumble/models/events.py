"""The event outbox: every domain change writes its event here in the same transaction."""

from __future__ import annotations

import uuid
from typing import Any

from tortoise import fields
from tortoise.models import Model

from mumble.models.accounts import Account


class Event(Model):
    """One integrator-facing event. `seq` gives the total order deliveries follow."""

    seq = fields.BigIntField(primary_key=True)
    id = fields.UUIDField(unique=True, default=uuid.uuid4)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="events", on_delete=fields.CASCADE
    )
    type = fields.CharField(max_length=64)
    # Events of one customer are delivered in order per endpoint: this is the ordering key.
    customer_id = fields.UUIDField(null=True)
    data: fields.JSONField[dict[str, Any]] = fields.JSONField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "event"
        indexes = (("account_id", "seq"),)
