"""answer() against an OpenAI-compatible stand-in over real HTTP: replies, hand-offs, failures."""

from __future__ import annotations

import datetime as dt
import logging

import aiohttp
import httpx
import pytest

from mumble.bots.ai.answer import answer
from mumble.bots.ai.outcome import HandOff, Reply
from mumble.models.states import Direction, MessageStatus
from tests.bots.ai.standin import (
    StandIn,
    completion,
    failure,
    raw,
    slow,
    tool_call,
)
from tests.bots.ai.support import API_KEY, Sleeps, add_message, make_customer, openai_bot
from tests.clock import FrozenClock
from tests.conftest import Tenant

INBOUND, OUTBOUND = Direction.INBOUND, Direction.OUTBOUND


async def test_a_reply_is_asked_with_the_prompt_the_bounded_history_and_the_key(
    client: httpx.AsyncClient,
    tenant: Tenant,
    standin: StandIn,
    http: aiohttp.ClientSession,
    clock: FrozenClock,
) -> None:
    await openai_bot(
        client,
        tenant,
        standin,
        system_prompt="You are Acme's helpful assistant.",
        temperature=0.3,
        max_tokens=256,
        history_messages=4,
    )
    customer = await make_customer(tenant, name="Dana")
    now = clock.now()
    minute = dt.timedelta(minutes=1)
    await add_message(customer, INBOUND, "too old to be sent", now - 9 * minute)
    await add_message(customer, INBOUND, "Hi, where is my order?", now - 6 * minute)
    await add_message(customer, OUTBOUND, "Which order number?", now - 5 * minute)
    await add_message(
        customer, OUTBOUND, "never delivered", now - 4 * minute, status=MessageStatus.FAILED
    )
    await add_message(customer, INBOUND, "the receipt", now - 3 * minute, type="image")
    await add_message(customer, INBOUND, "It is 1234", now - 2 * minute)
    # After `now`: not part of the turn being answered.
    await add_message(customer, INBOUND, "from the future", now + minute)
    standin.then(completion("Order 1234 ships tomorrow."))

    result = await answer(http, tenant.account.id, customer.id, now, allow_private=True)

    assert result == Reply("Order 1234 ships tomorrow.")
    [seen] = standin.chat_requests
    assert seen.headers["Authorization"] == f"Bearer {API_KEY}"
    assert seen.headers["Content-Type"] == "application/json"
    request = seen.json
    assert request["model"] == "standin-7b"
    assert request["temperature"] == 0.3
    assert request["max_tokens"] == 256
    assert request["messages"] == [
        {"role": "system", "content": "You are Acme's helpful assistant."},
        {"role": "user", "content": "Hi, where is my order?"},
        {"role": "assistant", "content": "Which order number?"},
        {"role": "user", "content": "[image] the receipt"},
        {"role": "user", "content": "It is 1234"},
    ]
    [tool] = request["tools"]
    assert tool["type"] == "function"
    assert tool["function"]["name"] == "hand_off_to_human"


async def test_the_history_keeps_the_newest_messages_within_the_character_budget(
    client: httpx.AsyncClient,
    tenant: Tenant,
    standin: StandIn,
    http: aiohttp.ClientSession,
    clock: FrozenClock,
) -> None:
    await openai_bot(client, tenant, standin, history_chars=250, use_tools=False)
    customer = await make_customer(tenant)
    now = clock.now()
    for n in range(5):
        await add_message(customer, INBOUND, f"{n}" * 100, now - dt.timedelta(minutes=10 - n))

    await answer(http, tenant.account.id, customer.id, now, allow_private=True)

    request = standin.chat_requests[0].json
    # No system prompt configured: only the two newest fit 250 characters.
    assert request["messages"] == [
        {"role": "user", "content": "3" * 100},
        {"role": "user", "content": "4" * 100},
    ]
    assert "tools" not in request
    assert "temperature" not in request
    assert "max_tokens" not in request


async def test_a_hand_off_tool_call_is_an_ai_decision_with_the_models_reason(
    client: httpx.AsyncClient,
    tenant: Tenant,
    standin: StandIn,
    http: aiohttp.ClientSession,
    clock: FrozenClock,
) -> None:
    await openai_bot(client, tenant, standin)
    customer = await make_customer(tenant)
    await add_message(customer, INBOUND, "I want to talk to a person", clock.now())
    standin.then(tool_call(arguments={"reason": "the customer asked for a human"}))

    result = await answer(http, tenant.account.id, customer.id, clock.now(), allow_private=True)

    assert result == HandOff("ai_decision", "the customer asked for a human")
    assert len(standin.chat_requests) == 1


async def test_the_marker_in_the_answer_hands_off(
    client: httpx.AsyncClient,
    tenant: Tenant,
    standin: StandIn,
    http: aiohttp.ClientSession,
    clock: FrozenClock,
) -> None:
    await openai_bot(client, tenant, standin, handoff_marker="<<human>>")
    customer = await make_customer(tenant)
    await add_message(customer, INBOUND, "refund please", clock.now())
    standin.then(completion("Let me get a colleague. <<HUMAN>>"))

    result = await answer(http, tenant.account.id, customer.id, clock.now(), allow_private=True)

    assert isinstance(result, HandOff)
    assert result.reason == "ai_decision"
    assert "<<human>>" in result.detail


async def test_a_model_that_times_out_is_retried_then_handed_off_as_a_failure(
    client: httpx.AsyncClient,
    tenant: Tenant,
    standin: StandIn,
    http: aiohttp.ClientSession,
    clock: FrozenClock,
    sleeps: Sleeps,
) -> None:
    await openai_bot(client, tenant, standin, timeout_seconds=0.5, attempts=3)
    customer = await make_customer(tenant)
    await add_message(customer, INBOUND, "hello?", clock.now())
    standin.then(slow(3), slow(3), slow(3))

    result = await answer(
        http, tenant.account.id, customer.id, clock.now(), allow_private=True, sleep=sleeps
    )

    assert result == HandOff("ai_failure", "timed out after 0.5 s (3 attempts)")
    assert len(standin.chat_requests) == 3
    assert sleeps.asked == [0.25, 0.5]


async def test_server_errors_are_retried_and_a_later_answer_is_used(
    client: httpx.AsyncClient,
    tenant: Tenant,
    standin: StandIn,
    http: aiohttp.ClientSession,
    clock: FrozenClock,
    sleeps: Sleeps,
) -> None:
    await openai_bot(client, tenant, standin, attempts=3)
    customer = await make_customer(tenant)
    await add_message(customer, INBOUND, "hello?", clock.now())
    standin.then(failure(500), failure(503), completion("Here I am."))

    result = await answer(
        http, tenant.account.id, customer.id, clock.now(), allow_private=True, sleep=sleeps
    )

    assert result == Reply("Here I am.")
    assert len(standin.chat_requests) == 3


async def test_repeated_server_errors_hand_off_as_a_failure(
    client: httpx.AsyncClient,
    tenant: Tenant,
    standin: StandIn,
    http: aiohttp.ClientSession,
    clock: FrozenClock,
    sleeps: Sleeps,
) -> None:
    await openai_bot(client, tenant, standin, attempts=2)
    customer = await make_customer(tenant)
    await add_message(customer, INBOUND, "hello?", clock.now())
    standin.then(failure(500), failure(502), completion("too late"))

    result = await answer(
        http, tenant.account.id, customer.id, clock.now(), allow_private=True, sleep=sleeps
    )

    assert result == HandOff("ai_failure", "HTTP 502 (2 attempts)")
    assert len(standin.chat_requests) == 2


@pytest.mark.parametrize(
    ("step", "detail"),
    [
        (raw(b"<html>gateway</html>", content_type="text/html"), "malformed answer: not JSON"),
        (raw(b'{"choices": []}'), "malformed answer: no choices"),
        (completion("   "), "empty answer"),
        (tool_call(name="lookup_order", arguments={"id": 1}), "empty answer"),
    ],
)
async def test_malformed_or_empty_answers_hand_off_as_a_failure_after_the_attempts(
    client: httpx.AsyncClient,
    tenant: Tenant,
    standin: StandIn,
    http: aiohttp.ClientSession,
    clock: FrozenClock,
    sleeps: Sleeps,
    step: object,
    detail: str,
) -> None:
    await openai_bot(client, tenant, standin, attempts=2)
    customer = await make_customer(tenant)
    await add_message(customer, INBOUND, "hello?", clock.now())
    standin.then(step, step)  # type: ignore[arg-type]

    result = await answer(
        http, tenant.account.id, customer.id, clock.now(), allow_private=True, sleep=sleeps
    )

    assert result == HandOff("ai_failure", f"{detail} (2 attempts)")
    assert len(standin.chat_requests) == 2


async def test_a_refused_key_is_not_retried(
    client: httpx.AsyncClient,
    tenant: Tenant,
    standin: StandIn,
    http: aiohttp.ClientSession,
    clock: FrozenClock,
    sleeps: Sleeps,
) -> None:
    await openai_bot(client, tenant, standin, attempts=3)
    customer = await make_customer(tenant)
    await add_message(customer, INBOUND, "hello?", clock.now())
    standin.then(failure(401))

    result = await answer(
        http, tenant.account.id, customer.id, clock.now(), allow_private=True, sleep=sleeps
    )

    assert result == HandOff("ai_failure", "HTTP 401 (1 attempt)")
    assert len(standin.chat_requests) == 1
    assert sleeps.asked == []


async def test_a_long_reply_is_cut_to_the_reply_limit(
    client: httpx.AsyncClient,
    tenant: Tenant,
    standin: StandIn,
    http: aiohttp.ClientSession,
    clock: FrozenClock,
) -> None:
    await openai_bot(client, tenant, standin, max_reply_chars=50)
    customer = await make_customer(tenant)
    await add_message(customer, INBOUND, "tell me everything", clock.now())
    standin.then(completion("<think>plan the answer</think>" + "word " * 40))

    result = await answer(http, tenant.account.id, customer.id, clock.now(), allow_private=True)

    assert isinstance(result, Reply)
    assert len(result.text) <= 50
    assert result.text.endswith("…")
    assert result.text.startswith("word word")


async def test_a_reply_is_never_longer_than_whatsapp_allows(
    client: httpx.AsyncClient,
    tenant: Tenant,
    standin: StandIn,
    http: aiohttp.ClientSession,
    clock: FrozenClock,
) -> None:
    await openai_bot(client, tenant, standin)
    customer = await make_customer(tenant)
    await add_message(customer, INBOUND, "essay please", clock.now())
    standin.then(completion("x" * 10_000))

    result = await answer(http, tenant.account.id, customer.id, clock.now(), allow_private=True)

    assert isinstance(result, Reply)
    assert len(result.text) == 4096


async def test_without_a_configuration_the_answer_is_a_failure_hand_off(
    tenant: Tenant, http: aiohttp.ClientSession, clock: FrozenClock, standin: StandIn
) -> None:
    customer = await make_customer(tenant)

    result = await answer(http, tenant.account.id, customer.id, clock.now(), allow_private=True)

    assert result == HandOff("ai_failure", "the AI bot is not configured")
    assert standin.seen == []


async def test_a_private_address_is_refused_at_call_time_when_not_allowed(
    client: httpx.AsyncClient,
    tenant: Tenant,
    standin: StandIn,
    http: aiohttp.ClientSession,
    clock: FrozenClock,
) -> None:
    # Saved while private URLs were allowed (the test server allows them); called without.
    await openai_bot(client, tenant, standin)
    customer = await make_customer(tenant)
    await add_message(customer, INBOUND, "hello?", clock.now())

    result = await answer(http, tenant.account.id, customer.id, clock.now())

    assert isinstance(result, HandOff)
    assert result.reason == "ai_failure"
    assert result.detail.startswith("URL refused: URL points to a private or reserved address")
    assert standin.seen == []


async def test_the_api_key_and_the_conversation_never_reach_the_logs(
    client: httpx.AsyncClient,
    tenant: Tenant,
    standin: StandIn,
    http: aiohttp.ClientSession,
    clock: FrozenClock,
    sleeps: Sleeps,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Everything of ours, down to debug (libraries stay at warning, as mumble.logs keeps them).
    caplog.set_level(logging.DEBUG, logger="mumble")
    await openai_bot(client, tenant, standin, system_prompt="secret sauce prompt", attempts=2)
    customer = await make_customer(tenant)
    await add_message(customer, INBOUND, "my card is 4111", clock.now())
    standin.then(failure(500), raw(b"nope"))

    result = await answer(
        http, tenant.account.id, customer.id, clock.now(), allow_private=True, sleep=sleeps
    )

    assert isinstance(result, HandOff)
    failures = [r for r in caplog.records if r.name == "mumble.bots.ai"]
    assert [r.__dict__["failure"] for r in failures] == ["HTTP 500", "malformed answer: not JSON"]
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    for private in (API_KEY, "secret sauce prompt", "my card is 4111"):
        assert private not in logged
