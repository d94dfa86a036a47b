"""Customers, their labels and the account's custom-field names."""

from __future__ import annotations

import uuid
from typing import Any

from tortoise import fields
from tortoise.models import Model

from mumble.models.accounts import Account
from mumble.models.states import BotMode, Consent
from mumble.models.team import Agent, Bot, Team

# Meta's business-scoped user ids are at most this long.
BSUID_MAX = 160


class Customer(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="customers", on_delete=fields.CASCADE
    )
    # International digits only (no "+"). Null for a user known only by a business-scoped id.
    phone = fields.CharField(max_length=15, null=True)
    bsuid = fields.CharField(max_length=BSUID_MAX, null=True)
    name = fields.CharField(max_length=200, null=True)
    email = fields.CharField(max_length=254, null=True)
    source = fields.CharField(max_length=200, null=True)
    country = fields.CharField(max_length=2, null=True)
    conversation_status = fields.CharField(max_length=32, default="new")
    last_interaction = fields.DatetimeField(null=True)
    # Start of the customer-service window: the last inbound message.
    last_inbound_at = fields.DatetimeField(null=True)
    agent: fields.ForeignKeyNullableRelation[Agent] = fields.ForeignKeyField(
        "models.Agent", related_name="customers", null=True, on_delete=fields.SET_NULL
    )
    team: fields.ForeignKeyNullableRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="customers", null=True, on_delete=fields.SET_NULL
    )
    bot: fields.ForeignKeyNullableRelation[Bot] = fields.ForeignKeyField(
        "models.Bot", related_name="customers", null=True, on_delete=fields.SET_NULL
    )
    # None: never set; FLOW: the flow bot in `bot`.
    bot_mode = fields.CharEnumField(BotMode, max_length=8, null=True)
    attribution: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    custom_fields: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    # Marketing consent (mumble.consent): its state, where it came from and when it changed.
    # Null means unknown, so rows written without it (bulk SQL inserts) need no value.
    marketing_consent = fields.CharEnumField(Consent, max_length=16, null=True)
    consent_source = fields.CharField(max_length=100, null=True)
    consent_changed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    # Moved by every change of the customer (its fields, labels, assignment, status, bot), from
    # the injected clock: `customers.changes` sets it, so search-customers' updated_since sees it.
    updated_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "customer"
        unique_together = (("account", "phone"), ("account", "bsuid"))
        # (created_at, id) is the stable order of listings and search; each filter search-customers
        # must answer without a sequential scan has an index led by the account.
        indexes = (
            ("account_id", "created_at", "id"),
            ("account_id", "conversation_status", "created_at", "id"),
            ("account_id", "agent_id", "created_at", "id"),
            ("account_id", "team_id", "created_at", "id"),
            ("account_id", "bot_id"),
            ("account_id", "updated_at"),
            ("account_id", "last_interaction"),
            ("account_id", "marketing_consent", "created_at", "id"),
        )


class CustomFieldDefinition(Model):
    """A custom field name in use in an account (at most 15 per account)."""

    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="custom_field_definitions", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=64)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "custom_field_definition"
        unique_together = (("account", "name"),)


class Label(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="labels", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=100)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "label"
        unique_together = (("account", "name"),)


class CustomerLabel(Model):
    id = fields.IntField(primary_key=True)
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="label_links", on_delete=fields.CASCADE
    )
    label: fields.ForeignKeyRelation[Label] = fields.ForeignKeyField(
        "models.Label", related_name="customer_links", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "customer_label"
        unique_together = (("customer", "label"),)
        # A label's members (search by label, get-label-customers).
        indexes = (("label_id", "customer_id"),)
