"""Template sends scheduled for later (`send_at`), and what became of each."""

from __future__ import annotations

import uuid
from typing import Any

from tortoise import fields
from tortoise.models import Model

from mumble.models.accounts import Account
from mumble.models.customers import BSUID_MAX
from mumble.models.states import ScheduledStatus


class ScheduledMessage(Model):
    """One template send to make at `send_at`: the request as given, claimed once by a worker."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="scheduled_messages", on_delete=fields.CASCADE
    )
    # The customer as the request named them: a phone, or else a business-scoped user id.
    customer_phone = fields.CharField(max_length=15, null=True)
    customer_user_id = fields.CharField(max_length=BSUID_MAX, null=True)
    template_id = fields.CharField(max_length=100)
    # The send's parameters (variables, button values, media link, profile) as read.
    request: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    send_at = fields.DatetimeField()
    status = fields.CharEnumField(ScheduledStatus, max_length=16, default=ScheduledStatus.SCHEDULED)
    # The claim of the worker sending it, and until when that claim holds.
    lease = fields.CharField(max_length=32, null=True)
    locked_until = fields.DatetimeField(null=True)
    message_id = fields.BigIntField(null=True)
    error = fields.TextField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "scheduled_message"
        indexes = (("status", "send_at"), ("account_id", "created_at", "id"))
