"""The dispatcher with an answering bot plugged in (as the AI bot plugs in): one reply per
message, marked with the bot, or a hand-off with the answer's reason."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from dataclasses import dataclass

import aiohttp
import httpx
import pytest

from mumble.bots.answering import AnswerHandler
from mumble.bots.dispatch import BotWorker
from mumble.messages.flows import Sender
from mumble.models import BotTurn, Customer, Event, Message
from mumble.models.states import BotMode
from mumble.settings import Settings
from mumble.whatsapp.client import GraphClient
from tests.api import ok, post
from tests.bots.flows import PHONE, said_to
from tests.clock import FrozenClock
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import customer_writes


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The test drives its own worker with the answering bot plugged in.
    return dataclasses.replace(settings, run_worker=False)


@dataclass(frozen=True)
class Reply:
    text: str


@dataclass(frozen=True)
class HandOff:
    reason: str
    detail: str


async def test_an_answering_bot_replies_once_per_message_and_hands_off_on_failure(
    client: httpx.AsyncClient,
    sandbox: SandboxHandle,
    tenant: Tenant,
    settings: Settings,
    clock: FrozenClock,
) -> None:
    answers: list[object] = [Reply("Hello from the model"), HandOff("ai_failure", "timeout")]

    async def answer(account_id: uuid.UUID, customer_id: uuid.UUID, now: dt.datetime) -> object:
        return answers.pop(0)

    await customer_writes(sandbox, tenant, text="first contact")
    ok(await post(client, tenant, "assign-bot", customer_phone=PHONE, bot_token="AI"))
    async with aiohttp.ClientSession() as http:
        graph = GraphClient(http, settings.graph_api_url, settings.whatsapp_api_version)
        handler = AnswerHandler(answer, Sender(graph, clock, ""), clock)
        worker = BotWorker({BotMode.AI: handler}, clock)

        await customer_writes(sandbox, tenant, text="What are your hours?")
        assert await worker.run_once() == 1
        assert await worker.run_once() == 0
        assert await said_to(sandbox, tenant) == ["Hello from the model"]
        reply = await Message.get(direction="outbound")
        assert (reply.bot_kind, reply.bot_id) == ("AI", None)
        assert await BotTurn.filter(status="done", outcome="answered").count() == 1

        await customer_writes(sandbox, tenant, text="And tomorrow?")
        assert await worker.run_once() == 1
    customer = await Customer.get(account_id=tenant.account.id, phone=PHONE)
    assert (customer.bot_mode, customer.conversation_status) == ("off", "waiting_for_agent")
    event = await Event.get(type="conversation.handed_off")
    assert event.data["reason"] == "ai_failure"
    assert event.data["from_bot"]["type"] == "AI"
    assert await said_to(sandbox, tenant) == ["Hello from the model"]
