"""Agents (sub-users), teams of agents, and chatbots."""

from __future__ import annotations

import uuid

from tortoise import fields
from tortoise.models import Model

from mumble.models.accounts import Account


class Agent(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="agents", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=200)
    email = fields.CharField(max_length=254, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "agent"
        unique_together = (("account", "name"),)


class Team(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="teams", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=200)
    members: fields.ManyToManyRelation[Agent] = fields.ManyToManyField(
        "models.Agent", related_name="teams", through="team_member"
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "team"
        unique_together = (("account", "name"),)


class Bot(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="bots", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=200)
    # The current `FlowVersion.version` of its flow; null for a bot saved without a flow.
    flow_version = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "bot"
        unique_together = (("account", "name"),)
