"""The account's AI bot: one configuration per account, an OpenAI-compatible model or a webhook.

`kind` decides which columns matter. "openai": `url` is the chat-completions base URL (the
server posts to `{url}/chat/completions`), with the model, its API key, the system prompt and
the sampling and length limits. "webhook": `url` is the integrator's own agent, every call is
signed with `secret` (Standard Webhooks, as event webhooks are). Both share the timeout, the
attempts and the bounds of the conversation history that is sent.

The API key and the signing secret are secrets, as the account's access token is: never
logged, never returned by the API (get-ai-bot shows `has_api_key`; the generated signing
secret is shown once, by set-ai-bot).
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from mumble.models.accounts import Account


class AiKind(StrEnum):
    """Where the AI bot's answers come from."""

    OPENAI = "openai"
    WEBHOOK = "webhook"


class AiBot(Model):
    """An account's AI bot configuration (at most one per account)."""

    id = fields.UUIDField(primary_key=True, default=uuid.uuid4)
    account: fields.OneToOneRelation[Account] = fields.OneToOneField(
        "models.Account", related_name="ai_bot", on_delete=fields.CASCADE
    )
    account_id: uuid.UUID  # the FK column Tortoise sets; declared for type checkers
    kind = fields.CharEnumField(AiKind, max_length=16)
    # openai: the base URL ({url}/chat/completions); webhook: the agent's URL.
    url = fields.CharField(max_length=2048)
    # openai only.
    model = fields.CharField(max_length=200, null=True)
    api_key = fields.CharField(max_length=4096, null=True)
    system_prompt = fields.TextField(default="")
    temperature = fields.FloatField(null=True)
    max_tokens = fields.IntField(null=True)
    # Whether the request declares the hand_off_to_human tool (servers or models without tool
    # support refuse requests that do; the marker still works then).
    use_tools = fields.BooleanField(default=True)
    # webhook only: "whsec_" + base64, as event webhook secrets.
    secret = fields.CharField(max_length=128, null=True)
    # Both kinds.
    handoff_marker = fields.CharField(max_length=64, default="[HANDOFF]")
    max_reply_chars = fields.IntField(default=4096)
    timeout_seconds = fields.FloatField(default=20.0)
    attempts = fields.IntField(default=3)
    history_messages = fields.IntField(default=20)
    history_chars = fields.IntField(default=8000)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "ai_bot"

    def __repr__(self) -> str:
        # Never the key or the secret.
        return f"<AiBot {self.id} {self.kind} account={self.account_id}>"
