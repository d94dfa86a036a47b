"""Flow bots at run time: each saved flow version, a customer's session, its steps, the turns.

A bot's flow is a new `FlowVersion` row per edit (`Bot.flow_version` names the current one), so
a customer mid-flow finishes on the version their session started on. A `FlowSession` is one run
of a flow for one customer; `live` holds the customer's id while it runs, so a unique index keeps
at most one running session per customer on any database. Each node executed is a `FlowStep`
(session, step) written in the same transaction as its effect, which is what makes a step happen
once across restarts. A `BotTurn` is one unit of work for the bot worker: an inbound message of a
bot-owned customer (written in the inbound message's own transaction) or a wait's timeout.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from mumble.models.accounts import Account
from mumble.models.customers import Customer
from mumble.models.team import Bot


class SessionState(StrEnum):
    """running (executing nodes) -> waiting (for a reply or its timeout) -> ... -> ended."""

    RUNNING = "running"
    WAITING = "waiting"
    ENDED = "ended"


class TurnKind(StrEnum):
    INBOUND = "inbound"
    TIMEOUT = "timeout"


class TurnStatus(StrEnum):
    """pending (due at `due_at`) -> claimed (leased to one worker until `locked_until`) -> done."""

    PENDING = "pending"
    CLAIMED = "claimed"
    DONE = "done"


class HumanSendRule(StrEnum):
    """What a human's send to a bot-owned customer does to the bot: stop it, or keep it."""

    STOP = "stop"
    KEEP = "keep"


class FlowVersion(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    bot: fields.ForeignKeyRelation[Bot] = fields.ForeignKeyField(
        "models.Bot", related_name="flow_versions", on_delete=fields.CASCADE
    )
    version = fields.IntField()
    flow: fields.JSONField[dict[str, Any]] = fields.JSONField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "flow_version"
        unique_together = (("bot", "version"),)


class FlowSession(Model):
    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="flow_sessions", on_delete=fields.CASCADE
    )
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="flow_sessions", on_delete=fields.CASCADE
    )
    bot: fields.ForeignKeyRelation[Bot] = fields.ForeignKeyField(
        "models.Bot", related_name="sessions", on_delete=fields.CASCADE
    )
    version = fields.IntField()
    # The customer's id while the session runs, null once ended: one live session per customer.
    live = fields.UUIDField(null=True, unique=True)
    state = fields.CharEnumField(SessionState, max_length=8, default=SessionState.RUNNING)
    node = fields.CharField(max_length=64)
    # How many steps were executed; the next step's number. Every move is conditional on it.
    step = fields.IntField(default=0)
    # The last reply the session consumed (text and button/list id), read by branch nodes.
    reply: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    # The turn whose inbound message the session last consumed (a re-run never reads it twice).
    last_turn_id = fields.BigIntField(null=True)
    waiting_since = fields.DatetimeField(null=True)
    timeout_at = fields.DatetimeField(null=True)
    end_reason = fields.CharField(max_length=32, null=True)
    ended_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "flow_session"
        indexes = (("bot_id", "state", "node"), ("customer_id", "created_at"))


class FlowStep(Model):
    """One node executed by one session, recorded with its effect (a send: its message)."""

    id = fields.BigIntField(primary_key=True)
    session: fields.ForeignKeyRelation[FlowSession] = fields.ForeignKeyField(
        "models.FlowSession", related_name="steps", on_delete=fields.CASCADE
    )
    step = fields.IntField()
    node = fields.CharField(max_length=64)
    message_id = fields.BigIntField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "flow_step"
        unique_together = (("session", "step"),)


class BotTurn(Model):
    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="bot_turns", on_delete=fields.CASCADE
    )
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="bot_turns", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(TurnKind, max_length=8)
    # The inbound message (kind inbound).
    message_id = fields.BigIntField(null=True)
    # The session and the step it waited at (kind timeout): stale once the session moved on.
    session_id = fields.UUIDField(null=True)
    wait_step = fields.IntField(null=True)
    status = fields.CharEnumField(TurnStatus, max_length=8, default=TurnStatus.PENDING)
    due_at = fields.DatetimeField()
    # A turn given back (a paced send, an error) is not run again before this; it keeps its
    # `due_at`, so the customer's later turns still wait behind it.
    retry_at = fields.DatetimeField(null=True)
    lease = fields.CharField(max_length=32, null=True)
    locked_until = fields.DatetimeField(null=True)
    attempts = fields.IntField(default=0)
    outcome = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "bot_turn"
        indexes = (("status", "due_at"), ("customer_id", "status", "due_at"))


class BotSettings(Model):
    """An account's bot rules (an account without a row has the defaults)."""

    id = fields.IntField(primary_key=True)
    account: fields.OneToOneRelation[Account] = fields.OneToOneField(
        "models.Account", related_name="bot_settings", on_delete=fields.CASCADE
    )
    human_send = fields.CharEnumField(HumanSendRule, max_length=8, default=HumanSendRule.STOP)
    # Words that hand the conversation to a human whatever the bot (whole message, any case).
    handoff_keywords: fields.JSONField[list[str]] = fields.JSONField(default=list)
    handoff_team_id = fields.UUIDField(null=True)
    handoff_agent_id = fields.UUIDField(null=True)

    class Meta:
        table = "bot_settings"


__all__ = [
    "BotSettings",
    "BotTurn",
    "FlowSession",
    "FlowStep",
    "FlowVersion",
    "HumanSendRule",
    "SessionState",
    "TurnKind",
    "TurnStatus",
]
