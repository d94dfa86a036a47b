"""Campaigns: one approved template to an audience, and each recipient's fate."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from mumble.models.accounts import Account


class CampaignStatus(StrEnum):
    """scheduled -> running <-> paused -> completed; cancelled from any but completed."""

    SCHEDULED = "scheduled"
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class RecipientStatus(StrEnum):
    """queued -> sending (claimed by one worker) -> sent (a message exists) or failed; skipped
    with a reason, never sent. Delivery, read and reply are read from the message."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class Campaign(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="campaigns", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=200)
    template_id = fields.UUIDField()
    # The audience and the values as given (labels, phones, statuses, all_customers; literals,
    # field references and fallbacks), kept for get-campaign and for resolving at send time.
    audience: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    values: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    status = fields.CharEnumField(CampaignStatus, max_length=16, default=CampaignStatus.SCHEDULED)
    paused_reason = fields.CharField(max_length=200, null=True)
    send_at = fields.DatetimeField()
    max_per_second = fields.FloatField(null=True)
    recipients = fields.IntField(default=0)
    # As long as the Idempotency-Key header may be (mumble.idempotency.MAX_KEY_LENGTH).
    idempotency_key = fields.CharField(max_length=255, null=True)
    started_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "campaign"
        unique_together = (("account", "idempotency_key"),)
        indexes = (("status", "send_at"), ("account_id", "created_at", "id"))


class CampaignRecipient(Model):
    id = fields.BigIntField(primary_key=True)
    # The campaign and the customer as plain ids, without foreign keys: PostgreSQL checks a
    # foreign key row by row, and for create-campaign's 100,000-row INSERT ... SELECT the two
    # checks took 1.8 s of 2.9 s (EXPLAIN ANALYZE, bench/campaign_create.py). (Tortoise's
    # migrations write the constraint even for `db_constraint=False`, hence no ForeignKeyField.)
    # Campaigns are never deleted (nor are accounts); a deleted customer leaves its recipients'
    # customer_id naming no customer, which readers treat as "customer gone" (a LEFT JOIN), as
    # they already do for message_id.
    campaign_id = fields.UUIDField()
    customer_id = fields.UUIDField(null=True)
    # The phone as the audience gave it (normalised when it could be).
    phone = fields.CharField(max_length=32, null=True)
    # The CSV row's columns, for values that reference them.
    row: fields.JSONField[dict[str, str] | None] = fields.JSONField(null=True)
    status = fields.CharEnumField(RecipientStatus, max_length=16, default=RecipientStatus.QUEUED)
    skip_reason = fields.CharField(max_length=100, null=True)
    # The claim of the worker sending it, and until when that claim holds.
    lease = fields.CharField(max_length=32, null=True)
    locked_until = fields.DatetimeField(null=True)
    # Not before: a paced or backed-off recipient waits until then.
    next_attempt_at = fields.DatetimeField(null=True)
    message_id = fields.BigIntField(null=True, unique=True)
    error_code = fields.IntField(null=True)
    error_message = fields.TextField(null=True)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "campaign_recipient"
        indexes = (("campaign_id", "status", "id"),)
