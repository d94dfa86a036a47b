"""answer() over a conversation written by the real paths: the sandbox's signed inbound
webhooks and a send-text-message reply through the API (no rows made by hand)."""

from __future__ import annotations

import aiohttp
import httpx

from mumble.bots.ai.answer import answer
from mumble.bots.ai.outcome import Reply
from mumble.models import Customer
from tests.api import post
from tests.bots.ai.standin import StandIn, completion
from tests.bots.ai.support import PHONE, openai_bot
from tests.clock import FrozenClock
from tests.conftest import SandboxHandle, Tenant


async def _customer_writes(sandbox: SandboxHandle, tenant: Tenant, **message: object) -> None:
    response = await sandbox.control.post(
        "/_sandbox/inbound",
        json={"phone_number_id": tenant.account.phone_number_id, "from": PHONE, **message},
    )
    assert response.json()["delivery"] == [200], response.text


async def test_the_model_sees_the_conversation_the_inbound_and_send_paths_stored(
    client: httpx.AsyncClient,
    tenant: Tenant,
    sandbox: SandboxHandle,
    standin: StandIn,
    http: aiohttp.ClientSession,
    clock: FrozenClock,
) -> None:
    await openai_bot(client, tenant, standin, system_prompt="You are Acme support.")
    await _customer_writes(sandbox, tenant, type="text", text="Hi, is my order shipped?")
    clock.advance(seconds=30)
    sent = await post(
        client, tenant, "send-text-message", customer_phone=PHONE, text="Let me check."
    )
    assert sent.status_code == 200, sent.text
    await sandbox.flush()
    clock.advance(seconds=30)
    await _customer_writes(sandbox, tenant, type="image", caption="my receipt")
    customer = await Customer.get(account_id=tenant.account.id, phone=PHONE)
    standin.then(completion("It ships today."))

    result = await answer(http, tenant.account.id, customer.id, clock.now(), allow_private=True)

    assert result == Reply("It ships today.")
    assert standin.chat_requests[0].json["messages"] == [
        {"role": "system", "content": "You are Acme support."},
        {"role": "user", "content": "Hi, is my order shipped?"},
        {"role": "assistant", "content": "Let me check."},
        {"role": "user", "content": "[image] my receipt"},
    ]
