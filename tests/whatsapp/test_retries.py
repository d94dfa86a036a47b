"""Retries happen only where a duplicate send cannot result, bounded, with backoff and jitter."""

from __future__ import annotations

import socket

import aiohttp
import pytest

from mumble.channels.errors import meta_refusal
from mumble.whatsapp.client import Channel, GraphClient
from mumble.whatsapp.errors import TemporaryError, TransportError
from mumble.whatsapp.payloads import text_payload
from tests.conftest import SandboxHandle
from tests.whatsapp.conftest import VERSION, RecordingSleep

CUSTOMER = "16505551234"


async def _open_window(sandbox: SandboxHandle, channel: Channel) -> None:
    await sandbox.control.post(
        "/_sandbox/windows", json={"phone_number_id": channel.phone_number_id, "wa_id": CUSTOMER}
    )


async def _sends_received(sandbox: SandboxHandle) -> int:
    log = (await sandbox.control.get("/_sandbox/requests")).json()["data"]
    return sum(1 for r in log if r["target"] == "messages")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_connection_refused_is_retried_with_backoff_then_502(
    channel: Channel, sleeps: RecordingSleep
) -> None:
    async with aiohttp.ClientSession() as session:
        graph = GraphClient(
            session, f"http://127.0.0.1:{_closed_port()}", VERSION, sleep=sleeps, jitter=lambda: 1.0
        )
        with pytest.raises(TransportError) as caught:
            await graph.send_message(channel, text_payload(CUSTOMER, "hi"))

    assert caught.value.request_sent is False
    assert sleeps.delays == [0.25, 0.5]  # three attempts, exponential backoff
    assert meta_refusal(caught.value).status == 502


async def test_a_500_on_a_send_is_not_retried(
    graph: GraphClient, channel: Channel, sandbox: SandboxHandle, sleeps: RecordingSleep
) -> None:
    await _open_window(sandbox, channel)
    await sandbox.control.post("/_sandbox/faults", json={"http_status": 500, "count": 5})

    with pytest.raises(TransportError):
        await graph.send_message(channel, text_payload(CUSTOMER, "hi"))

    assert await _sends_received(sandbox) == 1
    assert sleeps.delays == []


async def test_131000_on_a_send_is_not_retried_but_on_a_read_it_is(
    graph: GraphClient, channel: Channel, sandbox: SandboxHandle, sleeps: RecordingSleep
) -> None:
    await _open_window(sandbox, channel)
    await sandbox.control.post("/_sandbox/faults", json={"error_code": 131000, "count": 1})
    with pytest.raises(TemporaryError):
        await graph.send_message(channel, text_payload(CUSTOMER, "hi"))
    assert await _sends_received(sandbox) == 1

    await sandbox.control.post(
        "/_sandbox/faults", json={"error_code": 131000, "count": 1, "target": "templates"}
    )
    templates, _ = await graph.list_templates(channel)
    assert templates == []
    assert sleeps.delays == [0.25]


async def test_an_explicit_retryable_code_is_retried_on_a_send(
    graph: GraphClient, channel: Channel, sandbox: SandboxHandle, sleeps: RecordingSleep
) -> None:
    await _open_window(sandbox, channel)
    await sandbox.control.post("/_sandbox/faults", json={"error_code": 133004, "count": 2})

    wamid = await graph.send_message(channel, text_payload(CUSTOMER, "hi"))

    assert wamid.startswith("wamid.")
    assert await _sends_received(sandbox) == 3
    assert sleeps.delays == [0.25, 0.5]
    sent = (await sandbox.control.get("/_sandbox/messages")).json()["data"]
    assert [m["id"] for m in sent] == [wamid]


async def test_retries_are_bounded(
    graph: GraphClient, channel: Channel, sandbox: SandboxHandle, sleeps: RecordingSleep
) -> None:
    await sandbox.control.post("/_sandbox/faults", json={"error_code": 2, "count": None})

    with pytest.raises(TemporaryError) as caught:
        await graph.send_message(channel, text_payload(CUSTOMER, "hi"))

    assert caught.value.code == 2
    assert await _sends_received(sandbox) == 3
    assert len(sleeps.delays) == 2
    assert meta_refusal(caught.value).status == 502


async def test_jitter_spreads_the_delay(
    channel: Channel, sandbox: SandboxHandle, sleeps: RecordingSleep
) -> None:
    await sandbox.control.post("/_sandbox/faults", json={"error_code": 2, "count": 1})
    async with aiohttp.ClientSession() as session:
        graph = GraphClient(session, sandbox.url, VERSION, sleep=sleeps, jitter=lambda: 0.0)
        await graph.list_templates(channel)
    assert sleeps.delays == [0.125]


async def test_a_send_that_times_out_is_not_repeated(
    channel: Channel, sandbox: SandboxHandle, sleeps: RecordingSleep
) -> None:
    await _open_window(sandbox, channel)
    await sandbox.control.post("/_sandbox/faults", json={"latency": 1.0, "count": 1})
    async with aiohttp.ClientSession() as session:
        graph = GraphClient(
            session,
            sandbox.url,
            VERSION,
            timeout=aiohttp.ClientTimeout(total=0.2),
            sleep=sleeps,
        )
        with pytest.raises(TransportError) as caught:
            await graph.send_message(channel, text_payload(CUSTOMER, "hi"))

    assert caught.value.request_sent is True
    assert "timed out" in str(caught.value)
    assert sleeps.delays == []
    assert await _sends_received(sandbox) == 1
    assert meta_refusal(caught.value).status == 502


async def test_a_read_that_times_out_is_retried(
    channel: Channel, sandbox: SandboxHandle, sleeps: RecordingSleep
) -> None:
    await sandbox.control.post(
        "/_sandbox/faults", json={"latency": 1.0, "count": 1, "target": "templates"}
    )
    async with aiohttp.ClientSession() as session:
        graph = GraphClient(
            session, sandbox.url, VERSION, timeout=aiohttp.ClientTimeout(total=0.2), sleep=sleeps
        )
        templates, cursor = await graph.list_templates(channel)

    assert (templates, cursor) == ([], None)
    assert len(sleeps.delays) == 1
