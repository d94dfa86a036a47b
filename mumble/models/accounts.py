"""Accounts (one WhatsApp business each), roles and API keys."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

from mumble.models.states import KeyStatus


class Account(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    name = fields.CharField(max_length=200)
    is_blocked = fields.BooleanField(default=False)
    # The WhatsApp channel. The access token is a secret: never logged, never returned by the API.
    phone_number_id = fields.CharField(max_length=64, null=True, unique=True)
    waba_id = fields.CharField(max_length=64, null=True)
    display_phone = fields.CharField(max_length=32, null=True)
    access_token = fields.TextField(null=True)
    # {"stop": [...], "start": [...]}: the account's own consent keywords (null: the defaults).
    consent_keywords: fields.JSONField[dict[str, list[str]] | None] = fields.JSONField(null=True)
    # Outbound pacing (mumble.pacing). An admin's messages/s for the number (null: from its
    # level), a number shared with the WhatsApp Business app (20/s), and what Meta says: the
    # throughput level (STANDARD, HIGH), the portfolio's messaging limit (TIER_250 ...), and the
    # number's quality as its webhooks and Graph fields last reported it.
    throughput_mps = fields.IntField(null=True)
    coexistence = fields.BooleanField(default=False)
    throughput_level = fields.CharField(max_length=32, null=True)
    messaging_limit_tier = fields.CharField(max_length=32, null=True)
    quality_rating = fields.CharField(max_length=32, null=True)
    quality_event = fields.CharField(max_length=64, null=True)
    quality_updated_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "account"

    def __repr__(self) -> str:
        return f"<Account {self.id} {self.name!r}>"


class Role(Model):
    """A named, reusable set of permissions. account=None marks a built-in role."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    account: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="roles", null=True, on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=100)
    permissions: list[str] = fields.JSONField[list[str]](default=list)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "role"
        unique_together = (("account", "name"),)


class ApiKey(Model):
    """An API key. Only the SHA-256 of the plaintext is stored. The plaintext is shown once."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="api_keys", on_delete=fields.CASCADE
    )
    role: fields.ForeignKeyNullableRelation[Role] = fields.ForeignKeyField(
        "models.Role", related_name="api_keys", null=True, on_delete=fields.RESTRICT
    )
    key_hash = fields.CharField(max_length=64, unique=True)
    prefix = fields.CharField(max_length=24)
    label = fields.CharField(max_length=200, default="")
    status = fields.CharEnumField(KeyStatus, max_length=16, default=KeyStatus.ACTIVE)
    rate_limit = fields.CharField(max_length=100, null=True)
    allowed_ips: list[str] = fields.JSONField[list[str]](default=list)
    expires_at = fields.DatetimeField(null=True)
    last_used_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_key"

    def __repr__(self) -> str:
        return f"<ApiKey {self.id} {self.prefix}… {self.status}>"
