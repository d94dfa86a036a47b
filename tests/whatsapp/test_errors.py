"""Each Graph error code, injected in the sandbox, becomes the right typed error and envelope."""

from __future__ import annotations

import logging

import pytest

from mumble.channels.errors import meta_refusal
from mumble.whatsapp.client import Channel, GraphClient
from mumble.whatsapp.errors import (
    AccountError,
    AuthError,
    RateLimited,
    ReengagementRequired,
    TemplateError,
    TransportError,
    WhatsAppError,
)
from mumble.whatsapp.payloads import text_payload
from tests.conftest import SandboxHandle

CUSTOMER = "16505551234"


async def _fault(sandbox: SandboxHandle, **fault: object) -> None:
    response = await sandbox.control.post("/_sandbox/faults", json={"target": "messages"} | fault)
    assert response.status_code == 200


async def _send_error(graph: GraphClient, channel: Channel) -> WhatsAppError:
    with pytest.raises(WhatsAppError) as caught:
        await graph.send_message(channel, text_payload(CUSTOMER, "hi"))
    return caught.value


@pytest.mark.parametrize(
    ("code", "kind", "message"),
    [
        (131047, ReengagementRequired, "Conversation is closed (send a template instead)"),
        (
            132000,
            TemplateError,
            "Template parameter count mismatch (variables do not match the template)",
        ),
        (132001, TemplateError, "Template does not exist in this language or is not approved"),
        (132005, TemplateError, "Template text is too long once the variables are filled in"),
        (132007, TemplateError, "Template content violates WhatsApp's format policy"),
        (
            132012,
            TemplateError,
            "Template parameter format mismatch (a value is not in the expected format)",
        ),
        (132015, TemplateError, "Template is paused (low quality), try again later"),
        (132016, TemplateError, "Template is disabled (paused too often), create a new template"),
    ],
)
async def test_caller_side_codes_become_400_naming_the_cause(
    graph: GraphClient,
    channel: Channel,
    sandbox: SandboxHandle,
    code: int,
    kind: type[WhatsAppError],
    message: str,
) -> None:
    await _fault(sandbox, error_code=code)

    error = await _send_error(graph, channel)

    assert type(error) is kind
    assert error.code == code
    assert error.fbtrace_id
    assert error.details
    mapped = meta_refusal(error)
    assert (mapped.status, mapped.message) == (400, message)


@pytest.mark.parametrize(
    ("code", "retry_after", "header"),
    [
        (130429, None, "1"),
        (131056, None, "6"),
        (80007, None, "60"),
        (4, 2.5, "3"),
        # The spam rate limit and the messaging limit are throttling too: later, not never.
        (131048, None, "3600"),
        (131064, None, "3600"),
        (131048, 120, "120"),
    ],
)
async def test_throughput_codes_become_429_with_retry_after(
    graph: GraphClient,
    channel: Channel,
    sandbox: SandboxHandle,
    code: int,
    retry_after: float | None,
    header: str,
) -> None:
    await _fault(sandbox, error_code=code, retry_after=retry_after)

    error = await _send_error(graph, channel)

    assert isinstance(error, RateLimited)
    assert error.is_transient
    mapped = meta_refusal(error)
    assert mapped.status == 429
    assert mapped.message == "WhatsApp rate limit reached, retry later"
    assert mapped.headers == {"Retry-After": header}


@pytest.mark.parametrize("code", [190, 0])
async def test_auth_codes_become_502_and_never_show_the_token(
    graph: GraphClient,
    channel: Channel,
    sandbox: SandboxHandle,
    code: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await _fault(sandbox, error_code=code, error_subcode=463)
    caplog.set_level(logging.DEBUG)

    error = await _send_error(graph, channel)

    assert isinstance(error, AuthError)
    assert error.http_status == 401
    assert error.subcode == 463
    mapped = meta_refusal(error)
    assert (mapped.status, mapped.message) == (
        502,
        "WhatsApp authentication failed (check the access token)",
    )
    assert channel.access_token not in str(error) + repr(error) + caplog.text
    assert channel.access_token not in repr(channel)


async def test_an_empty_token_is_refused_by_the_sandbox_like_meta(
    graph: GraphClient, sandbox: SandboxHandle
) -> None:
    error = await _send_error(graph, Channel("106540352242922", "1", ""))
    assert isinstance(error, AuthError)
    assert error.code == 190


async def test_a_5xx_without_a_graph_body_is_a_502_transport_error(
    graph: GraphClient, channel: Channel, sandbox: SandboxHandle
) -> None:
    await _fault(sandbox, http_status=500)

    error = await _send_error(graph, channel)

    assert isinstance(error, TransportError)
    mapped = meta_refusal(error)
    assert (mapped.status, mapped.message) == (502, "WhatsApp is unavailable, retry later")


async def test_other_codes_are_400_with_metas_details(
    graph: GraphClient, channel: Channel, sandbox: SandboxHandle
) -> None:
    await _fault(sandbox, error_code=131026, error_message="Message undeliverable")

    error = await _send_error(graph, channel)

    mapped = meta_refusal(error)
    assert mapped.status == 400
    assert mapped.message == "WhatsApp rejected the request: Message undeliverable"
    assert mapped.details == ["Message undeliverable"]


async def test_the_sandbox_reports_the_24_hour_rule_as_131047(
    graph: GraphClient, channel: Channel, sandbox: SandboxHandle
) -> None:
    error = await _send_error(graph, channel)

    assert isinstance(error, ReengagementRequired)
    assert error.title == "Re-engagement message"
    assert "24 hours" in (error.details or "")


async def test_a_bare_429_is_a_rate_limit_with_metas_retry_after(
    graph: GraphClient, channel: Channel, sandbox: SandboxHandle
) -> None:
    await _fault(sandbox, http_status=429, retry_after=7)

    error = await _send_error(graph, channel)

    assert isinstance(error, RateLimited)
    mapped = meta_refusal(error)
    assert (mapped.status, mapped.headers) == (429, {"Retry-After": "7"})


async def test_an_error_rate_fault_fails_only_some_calls(
    graph: GraphClient, channel: Channel, sandbox: SandboxHandle
) -> None:
    await sandbox.control.post(
        "/_sandbox/windows", json={"phone_number_id": channel.phone_number_id, "wa_id": CUSTOMER}
    )
    await _fault(sandbox, error_code=130429, probability=0.5, count=None)

    outcomes = []
    for _ in range(40):
        try:
            await graph.send_message(channel, text_payload(CUSTOMER, "hi"))
            outcomes.append("sent")
        except RateLimited:
            outcomes.append("limited")

    assert 0 < outcomes.count("limited") < 40


@pytest.mark.parametrize(
    ("code", "title"),
    [
        (130497, "Business account is restricted from messaging users in this country"),
        (
            131037,
            "WhatsApp provided number needs display name approval before message can be sent",
        ),
        (131031, "Business Account locked"),
    ],
)
async def test_account_codes_become_a_502_account_problem_never_retried(
    graph: GraphClient, channel: Channel, sandbox: SandboxHandle, code: int, title: str
) -> None:
    await _fault(sandbox, error_code=code)

    error = await _send_error(graph, channel)

    assert isinstance(error, AccountError)
    assert not error.is_transient
    mapped = meta_refusal(error)
    assert (mapped.status, mapped.message) == (502, f"WhatsApp account problem: {title}")
    assert "Retry-After" not in mapped.headers
