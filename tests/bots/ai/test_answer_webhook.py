"""answer() with the webhook kind: a signed POST to the integrator's agent (the stand-in)."""

from __future__ import annotations

import datetime as dt
import logging

import aiohttp
import httpx
import pytest

from mumble.bots.ai.answer import answer
from mumble.bots.ai.outcome import HandOff, Reply
from mumble.events import signing
from mumble.models.states import Direction
from tests.bots.ai.standin import StandIn, agent_handoff, agent_reply, failure, raw
from tests.bots.ai.support import Sleeps, add_message, make_customer, set_ai_bot
from tests.clock import FrozenClock
from tests.conftest import Tenant


async def _webhook_bot(
    client: httpx.AsyncClient, tenant: Tenant, standin: StandIn, **fields: object
) -> str:
    """Configure the webhook kind on the stand-in's agent; the stand-in verifies with the
    secret set-ai-bot generated (returned once)."""
    response = await set_ai_bot(
        client, tenant, kind="webhook", url=standin.agent_url, timeout_seconds=2, **fields
    )
    assert response.status_code == 200, response.text
    secret: str = response.json()["secret"]
    standin.agent_secret = secret
    return secret


async def test_the_agent_gets_a_signed_turn_and_its_reply_is_the_answer(
    client: httpx.AsyncClient,
    tenant: Tenant,
    standin: StandIn,
    http: aiohttp.ClientSession,
    clock: FrozenClock,
) -> None:
    await _webhook_bot(client, tenant, standin, history_messages=2, max_reply_chars=500)
    customer = await make_customer(tenant, name="Dana", bsuid="US.1234567890")
    now = clock.now()
    await add_message(customer, Direction.INBOUND, "first", now - dt.timedelta(minutes=3))
    await add_message(customer, Direction.OUTBOUND, "Hello Dana", now - dt.timedelta(minutes=2))
    await add_message(customer, Direction.INBOUND, "a voice note", now, type="audio")
    standin.then(agent_reply("Got your voice note."))

    result = await answer(http, tenant.account.id, customer.id, now, allow_private=True)

    assert result == Reply("Got your voice note.")
    [seen] = standin.agent_requests
    assert seen.signature_ok is True
    assert seen.headers["webhook-timestamp"] == str(int(now.timestamp()))
    turn = seen.json
    assert turn["type"] == "ai_bot.turn"
    assert turn["id"] == seen.headers["webhook-id"]
    assert turn["account"] == str(tenant.account.id)
    data = turn["data"]
    assert data["customer"] == {
        "id": str(customer.id),
        "phone": customer.phone,
        "user_id": "US.1234567890",
        "name": "Dana",
    }
    assert [(m["role"], m["content"], m["type"]) for m in data["messages"]] == [
        ("assistant", "Hello Dana", "text"),
        ("user", "[audio] a voice note", "audio"),
    ]
    assert data["max_reply_chars"] == 500


async def test_the_agents_hand_off_is_an_ai_decision(
    client: httpx.AsyncClient,
    tenant: Tenant,
    standin: StandIn,
    http: aiohttp.ClientSession,
    clock: FrozenClock,
) -> None:
    await _webhook_bot(client, tenant, standin)
    customer = await make_customer(tenant)
    await add_message(customer, Direction.INBOUND, "agent please", clock.now())
    standin.then(agent_handoff("VIP customer"))

    result = await answer(http, tenant.account.id, customer.id, clock.now(), allow_private=True)

    assert result == HandOff("ai_decision", "VIP customer")


async def test_a_signature_the_agent_rejects_hands_off_as_a_failure_without_retrying(
    client: httpx.AsyncClient,
    tenant: Tenant,
    standin: StandIn,
    http: aiohttp.ClientSession,
    clock: FrozenClock,
    sleeps: Sleeps,
) -> None:
    await _webhook_bot(client, tenant, standin)
    standin.agent_secret = signing.new_secret()  # the agent holds another secret
    customer = await make_customer(tenant)
    await add_message(customer, Direction.INBOUND, "hello", clock.now())

    result = await answer(
        http, tenant.account.id, customer.id, clock.now(), allow_private=True, sleep=sleeps
    )

    assert result == HandOff("ai_failure", "HTTP 401 (1 attempt)")
    [seen] = standin.agent_requests
    assert seen.signature_ok is False


async def test_a_provided_secret_signs_the_turn(
    client: httpx.AsyncClient,
    tenant: Tenant,
    standin: StandIn,
    http: aiohttp.ClientSession,
    clock: FrozenClock,
) -> None:
    secret = signing.new_secret()
    response = await set_ai_bot(
        client, tenant, kind="webhook", url=standin.agent_url, secret=secret
    )
    assert response.status_code == 200
    assert "secret" not in response.json()  # not generated: nothing to show
    standin.agent_secret = secret
    customer = await make_customer(tenant)
    await add_message(customer, Direction.INBOUND, "hello", clock.now())

    result = await answer(http, tenant.account.id, customer.id, clock.now(), allow_private=True)

    assert result == Reply("Hello from the stand-in.")
    assert standin.agent_requests[0].signature_ok is True


@pytest.mark.parametrize(
    ("steps", "detail"),
    [
        ((raw(b'{"text": "wrong field"}'),) * 2, "malformed answer: neither reply nor handoff"),
        ((raw(b"[1, 2]"),) * 2, "malformed answer: not a JSON object"),
        ((agent_reply("  "),) * 2, "empty answer"),
        ((failure(500), failure(503)), "HTTP 503"),
    ],
)
async def test_an_agent_that_answers_badly_is_retried_then_handed_off_as_a_failure(
    client: httpx.AsyncClient,
    tenant: Tenant,
    standin: StandIn,
    http: aiohttp.ClientSession,
    clock: FrozenClock,
    sleeps: Sleeps,
    steps: tuple[object, ...],
    detail: str,
) -> None:
    await _webhook_bot(client, tenant, standin, attempts=2)
    customer = await make_customer(tenant)
    await add_message(customer, Direction.INBOUND, "hello", clock.now())
    standin.then(*steps)  # type: ignore[arg-type]

    result = await answer(
        http, tenant.account.id, customer.id, clock.now(), allow_private=True, sleep=sleeps
    )

    assert result == HandOff("ai_failure", f"{detail} (2 attempts)")
    assert len(standin.agent_requests) == 2
    # A retry is the same message: the same id for the agent's dedupe, signed again.
    first, second = standin.agent_requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert all(seen.signature_ok for seen in standin.agent_requests)


async def test_the_signing_secret_never_reaches_the_logs(
    client: httpx.AsyncClient,
    tenant: Tenant,
    standin: StandIn,
    http: aiohttp.ClientSession,
    clock: FrozenClock,
    sleeps: Sleeps,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="mumble")
    secret = await _webhook_bot(client, tenant, standin, attempts=2)
    customer = await make_customer(tenant)
    await add_message(customer, Direction.INBOUND, "hello", clock.now())
    standin.then(failure(500), failure(500))

    await answer(
        http, tenant.account.id, customer.id, clock.now(), allow_private=True, sleep=sleeps
    )

    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "AI bot attempt failed" in logged
    assert secret not in logged
    assert secret.removeprefix("whsec_") not in logged
