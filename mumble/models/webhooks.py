"""Webhook endpoints of integrators, one delivery per (endpoint, event), and each HTTP attempt."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

from mumble.models.accounts import Account
from mumble.models.states import DeliveryStatus


class WebhookEndpoint(Model):
    """An integrator's URL subscribed to some event types. The secret signs every delivery."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="webhook_endpoints", on_delete=fields.CASCADE
    )
    url = fields.CharField(max_length=2048)
    events: fields.JSONField[list[str]] = fields.JSONField(default=list)
    description = fields.CharField(max_length=500, null=True)
    # Standard Webhooks form "whsec_" + base64, kept readable: every delivery is signed with it.
    secret = fields.CharField(max_length=128)
    enabled = fields.BooleanField(default=True)
    disabled_reason = fields.CharField(max_length=500, null=True)
    disabled_at = fields.DatetimeField(null=True)
    # Events in a row that exhausted their retries; reset by any successful delivery.
    consecutive_failures = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "webhook_endpoint"
        indexes = (("account_id", "created_at"),)


class WebhookDelivery(Model):
    """The state of one event for one endpoint: pending, in_flight, failed, delivered or dead.

    pending and failed rows are due at next_attempt_at (null means now). An in_flight row is
    leased to one worker until locked_until, after which any worker may take it again.
    """

    id = fields.BigIntField(primary_key=True)
    endpoint: fields.ForeignKeyRelation[WebhookEndpoint] = fields.ForeignKeyField(
        "models.WebhookEndpoint", related_name="deliveries", on_delete=fields.CASCADE
    )
    endpoint_id: uuid.UUID  # the FK column Tortoise sets; declared for type checkers
    # Event.seq (a plain column: deliveries go when their endpoint, and so their account, goes).
    event_seq = fields.BigIntField()
    # Copied from the event: deliveries of one customer go out in event_seq order per endpoint.
    customer_id = fields.UUIDField(null=True)
    status = fields.CharEnumField(DeliveryStatus, max_length=16, default=DeliveryStatus.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    locked_until = fields.DatetimeField(null=True)
    lease = fields.CharField(max_length=64, null=True)
    last_status_code = fields.IntField(null=True)
    last_latency_ms = fields.IntField(null=True)
    last_error = fields.CharField(max_length=500, null=True)
    delivered_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "webhook_delivery"
        unique_together = (("endpoint", "event_seq"),)
        indexes = (("status", "event_seq"), ("endpoint_id", "customer_id", "event_seq"))


class WebhookAttempt(Model):
    """One HTTP request made for a delivery, with what the endpoint answered."""

    id = fields.BigIntField(primary_key=True)
    delivery: fields.ForeignKeyRelation[WebhookDelivery] = fields.ForeignKeyField(
        "models.WebhookDelivery", related_name="attempt_log", on_delete=fields.CASCADE
    )
    endpoint: fields.ForeignKeyRelation[WebhookEndpoint] = fields.ForeignKeyField(
        "models.WebhookEndpoint", related_name="attempts", on_delete=fields.CASCADE
    )
    number = fields.IntField()
    attempted_at = fields.DatetimeField()
    succeeded = fields.BooleanField()
    status_code = fields.IntField(null=True)
    latency_ms = fields.IntField()
    error = fields.CharField(max_length=500, null=True)

    class Meta:
        table = "webhook_attempt"
        indexes = (("endpoint_id", "id"),)
