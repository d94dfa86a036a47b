"""Message templates as submitted to Meta and as Meta reports their review."""

from __future__ import annotations

import uuid
from typing import Any

from tortoise import fields
from tortoise.models import Model

from mumble.models.accounts import Account


class Template(Model):
    """One template in one language. Meta's id is set once Meta accepted the submission."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="templates", on_delete=fields.CASCADE
    )
    meta_id = fields.CharField(max_length=64, null=True)
    name = fields.CharField(max_length=512)
    language = fields.CharField(max_length=16)
    category = fields.CharField(max_length=32)
    # Meta's status word (PENDING, APPROVED, REJECTED, PAUSED, DISABLED, ...), upper case.
    status = fields.CharField(max_length=32, default="PENDING")
    rejection_reason = fields.CharField(max_length=64, null=True)
    # Meta's recommendation or pause/disable note, when the status webhook carried one.
    status_note = fields.TextField(null=True)
    quality_score = fields.CharField(max_length=16, null=True)
    # A category change Meta announced but has not applied yet, and when it applies.
    correct_category = fields.CharField(max_length=32, null=True)
    category_update_at = fields.DatetimeField(null=True)
    previous_category = fields.CharField(max_length=32, null=True)
    body = fields.TextField()
    # {"format": "IMAGE", "media_url": ..., "text": ...} or null
    header: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    footer = fields.TextField(null=True)
    # [{"type": "URL", "text": ..., "url": ..., "example": ...}, ...] in Meta's order
    buttons: fields.JSONField[list[dict[str, Any]]] = fields.JSONField(default=list)
    body_variables = fields.IntField(default=0)
    # Meta's parameter_format: POSITIONAL ({{1}}, values in order) or NAMED ({{first_name}}).
    parameter_format = fields.CharField(max_length=16, default="POSITIONAL")
    # The components exactly as Meta has them (as submitted, or as the sync read them).
    components: fields.JSONField[list[dict[str, Any]]] = fields.JSONField(default=list)
    # mumble (created through the API) or meta (imported by the sync)
    origin = fields.CharField(max_length=8, default="mumble")
    status_changed_at = fields.DatetimeField(null=True)
    synced_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "template"
        unique_together = (("account", "name", "language"), ("account", "meta_id"))
        indexes = (("account_id", "created_at"),)

    def __repr__(self) -> str:
        return f"<Template {self.name}/{self.language} {self.status}>"


__all__ = ["Template"]
