"""Slow clients cannot hold `mumble serve`'s connections: headers, body and idle keep-alive are
bounded (MUMBLE_HEADER_TIMEOUT_SECONDS, MUMBLE_BODY_TIMEOUT_SECONDS, MUMBLE_KEEP_ALIVE_SECONDS)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import orjson

from tests.observability.test_serve import Serve, running_serve

TIMEOUTS = {"header_timeout_seconds": "1", "body_timeout_seconds": "1", "keep_alive_seconds": "1"}


async def _connect(serve: Serve) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    url = urlsplit(serve.api)
    return await asyncio.open_connection(url.hostname, url.port)


async def _until_closed(reader: asyncio.StreamReader, within: float) -> tuple[bytes, float]:
    """Everything the server sent until it closed the connection, and how long that took."""
    started = time.monotonic()
    received = await asyncio.wait_for(reader.read(), within)
    return received, time.monotonic() - started


def _envelope(response: bytes) -> tuple[int, dict[str, object], bytes]:
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), orjson.loads(body), head.lower()


async def _trickle(writer: asyncio.StreamWriter, data: bytes, gap: float) -> None:
    """A byte every `gap` seconds, until the server hangs up."""
    try:
        for byte in data:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(gap)
    except ConnectionError:
        pass


async def test_a_connection_that_sends_nothing_is_closed_after_the_header_timeout(
    tmp_path: Path,
) -> None:
    async with running_serve(tmp_path, None, **TIMEOUTS) as serve:
        reader, writer = await _connect(serve)
        received, seconds = await _until_closed(reader, 10)
        writer.close()

    assert received == b""
    assert seconds < 4


async def test_headers_sent_a_byte_at_a_time_get_408_and_the_connection_closes(
    tmp_path: Path,
) -> None:
    request = b"POST /webhooks/whatsapp HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    async with running_serve(tmp_path, None, **TIMEOUTS) as serve:
        reader, writer = await _connect(serve)
        trickle = asyncio.create_task(_trickle(writer, request * 10, 0.2))
        received, seconds = await _until_closed(reader, 10)
        trickle.cancel()
        writer.close()

    status, body, _ = _envelope(received)
    assert status == 408
    assert body == {"error": True, "message": "Request headers not received in time"}
    assert seconds < 4


async def test_an_unsigned_webhook_body_trickled_slowly_gets_408_and_the_connection_closes(
    tmp_path: Path,
) -> None:
    async with running_serve(tmp_path, None, **TIMEOUTS) as serve:
        reader, writer = await _connect(serve)
        writer.write(
            b"POST /webhooks/whatsapp HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000\r\n\r\n"
        )
        trickle = asyncio.create_task(_trickle(writer, b'{"entry": [' + b" " * 900, 0.2))
        received, seconds = await _until_closed(reader, 10)
        trickle.cancel()
        writer.close()

    status, body, head = _envelope(received)
    assert status == 408
    assert body == {"error": True, "message": "Request body not received in time"}
    assert b"connection: close" in head
    assert seconds < 4


async def test_an_api_body_trickled_slowly_gets_408_in_the_envelope(tmp_path: Path) -> None:
    async with running_serve(tmp_path, None, **TIMEOUTS) as serve:
        reader, writer = await _connect(serve)
        writer.write(
            b"POST /mumbleapi/add-new-label HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nContent-Length: 500\r\n"
            b"Mumble-Api-Key: " + serve.key.encode() + b"\r\n\r\n"
        )
        trickle = asyncio.create_task(_trickle(writer, b'{"label_name": "' + b"a" * 400, 0.2))
        received, _ = await _until_closed(reader, 10)
        trickle.cancel()
        writer.close()

    status, body, _ = _envelope(received)
    assert status == 408
    assert body == {"error": True, "message": "Request body not received in time"}


async def test_an_idle_kept_alive_connection_is_closed_after_the_keep_alive_timeout(
    tmp_path: Path,
) -> None:
    async with running_serve(tmp_path, None, **TIMEOUTS) as serve:
        reader, writer = await _connect(serve)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        received, seconds = await _until_closed(reader, 10)
        writer.close()

    assert received.startswith(b"HTTP/1.1 200")
    assert seconds < 4


async def test_eight_slow_clients_are_all_cut_off_while_others_are_served(tmp_path: Path) -> None:
    async with running_serve(tmp_path, None, **TIMEOUTS) as serve:
        connections = [await _connect(serve) for _ in range(8)]
        tasks = []
        for n, (_, writer) in enumerate(connections):
            if n % 2:
                writer.write(
                    b"POST /webhooks/whatsapp HTTP/1.1\r\nHost: x\r\nContent-Length: 99\r\n\r\n"
                )
            tasks.append(asyncio.create_task(_trickle(writer, b"x" * 99, 0.3)))
        async with httpx.AsyncClient(timeout=5) as http:
            health = await http.get(serve.api + "/healthz")
        outcomes = await asyncio.gather(*(_until_closed(r, 10) for r, _ in connections))
        for task in tasks:
            task.cancel()
        for _, writer in connections:
            writer.close()

    assert health.status_code == 200
    assert all(seconds < 5 for _, seconds in outcomes)
