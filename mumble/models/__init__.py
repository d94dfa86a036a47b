"""Every Tortoise model, one module per aggregate; Tortoise discovers them from this package."""

from mumble.models.accounts import Account, ApiKey, Role
from mumble.models.ai import AiBot, AiKind
from mumble.models.bots import (
    BotSettings,
    BotTurn,
    FlowSession,
    FlowStep,
    FlowVersion,
    HumanSendRule,
    SessionState,
    TurnKind,
    TurnStatus,
)
from mumble.models.campaigns import Campaign, CampaignRecipient, CampaignStatus, RecipientStatus
from mumble.models.customers import Customer, CustomerLabel, CustomFieldDefinition, Label
from mumble.models.events import Event
from mumble.models.messages import (
    DeletedInbound,
    IdempotencyRecord,
    MediaBlob,
    Message,
    PendingStatus,
)
from mumble.models.scheduled import ScheduledMessage
from mumble.models.states import (
    BotMode,
    Consent,
    DeliveryStatus,
    Direction,
    KeyStatus,
    MediaState,
    MessageStatus,
    ScheduledStatus,
)
from mumble.models.team import Agent, Bot, Team
from mumble.models.templates import Template
from mumble.models.webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "Account",
    "Agent",
    "AiBot",
    "AiKind",
    "ApiKey",
    "Bot",
    "BotMode",
    "BotSettings",
    "BotTurn",
    "Campaign",
    "CampaignRecipient",
    "CampaignStatus",
    "Consent",
    "CustomFieldDefinition",
    "Customer",
    "CustomerLabel",
    "DeletedInbound",
    "DeliveryStatus",
    "Direction",
    "Event",
    "FlowSession",
    "FlowStep",
    "FlowVersion",
    "HumanSendRule",
    "IdempotencyRecord",
    "KeyStatus",
    "Label",
    "MediaBlob",
    "MediaState",
    "Message",
    "MessageStatus",
    "PendingStatus",
    "RecipientStatus",
    "Role",
    "ScheduledMessage",
    "ScheduledStatus",
    "SessionState",
    "Team",
    "Template",
    "TurnKind",
    "TurnStatus",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
