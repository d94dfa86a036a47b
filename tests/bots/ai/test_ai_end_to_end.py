"""The AI bot through the app's own bot worker: signed inbound webhooks in, the stand-in model
asked, the reply observed at the sandbox; the stand-in failing hands the conversation off."""

from __future__ import annotations

import httpx

from mumble.models import Customer, Event, Message
from tests.api import ok, post
from tests.bots.ai.standin import StandIn, completion, failure
from tests.bots.ai.support import openai_bot
from tests.bots.flows import PHONE, eventually, said_to, until_said
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import customer_writes


async def test_the_ai_bot_answers_through_the_model_and_hands_off_when_it_fails(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, standin: StandIn
) -> None:
    await openai_bot(client, tenant, standin, system_prompt="You are Acme support.", attempts=2)
    await customer_writes(sandbox, tenant, text="first contact")
    ok(await post(client, tenant, "assign-bot", customer_phone=PHONE, bot_token="AI"))

    standin.then(completion("We open at 9."))
    await customer_writes(sandbox, tenant, text="What are your hours?")
    assert await until_said(sandbox, tenant, 1) == ["We open at 9."]
    asked = standin.chat_requests[-1].json
    assert asked["messages"][0] == {"role": "system", "content": "You are Acme support."}
    assert asked["messages"][-1] == {"role": "user", "content": "What are your hours?"}
    reply = await Message.get(direction="outbound", text="We open at 9.")
    assert (reply.bot_kind, reply.bot_id) == ("AI", None)

    # The model fails on every attempt: the customer is handed to humans, never left silent.
    standin.then(failure(500), failure(500))
    await customer_writes(sandbox, tenant, text="And tomorrow?")

    async def handed_off() -> bool:
        return await Event.filter(type="conversation.handed_off").exists()

    await eventually(handed_off)
    event = await Event.get(type="conversation.handed_off")
    assert event.data["reason"] == "ai_failure"
    assert event.data["from_bot"]["type"] == "AI"
    customer = await Customer.get(account_id=tenant.account.id, phone=PHONE)
    assert (customer.bot_mode, customer.conversation_status) == ("off", "waiting_for_agent")
    assert await said_to(sandbox, tenant) == ["We open at 9."]
