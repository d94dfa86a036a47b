"""Builders for AI bot tests (and the integrator's end-to-end test): customers, messages and
configurations made through the API, as a client would."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from mumble.models import Customer, Message
from mumble.models.states import Direction, MessageStatus
from tests.api import post
from tests.bots.ai.standin import StandIn
from tests.conftest import Tenant

PHONE = "972501234567"
API_KEY = "sk-standin-7f3a9c1e5b2d4f60"


class Sleeps:
    """An injected sleep that records the backoff asked for and returns at once."""

    def __init__(self) -> None:
        self.asked: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)


async def make_customer(tenant: Tenant, phone: str = PHONE, **fields: Any) -> Customer:
    return await Customer.create(account_id=tenant.account.id, phone=phone, **fields)


async def add_message(
    customer: Customer,
    direction: Direction,
    text: str | None,
    at: dt.datetime,
    *,
    type: str = "text",
    status: MessageStatus | None = None,
    **fields: Any,
) -> Message:
    """A stored message of the customer's conversation (received or sent by default)."""
    default = MessageStatus.RECEIVED if direction == Direction.INBOUND else MessageStatus.SENT
    return await Message.create(
        account_id=customer.account_id,  # type: ignore[attr-defined]  # FK column
        customer=customer,
        direction=direction,
        type=type,
        text=text,
        status=status or default,
        occurred_at=at,
        **fields,
    )


async def set_ai_bot(client: httpx.AsyncClient, tenant: Tenant, **fields: Any) -> httpx.Response:
    return await post(client, tenant, "set-ai-bot", fields)


async def openai_bot(
    client: httpx.AsyncClient, tenant: Tenant, standin: StandIn, **fields: Any
) -> dict[str, Any]:
    """Configure the tenant's AI bot on the stand-in (2 s timeout, key API_KEY); `fields`
    override or add set-ai-bot parameters. Returns the set-ai-bot body."""
    body = {
        "kind": "openai",
        "base_url": standin.base_url,
        "model": "standin-7b",
        "api_key": API_KEY,
        "timeout_seconds": 2,
        **fields,
    }
    response = await set_ai_bot(client, tenant, **body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result
