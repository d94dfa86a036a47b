"""`python -m mumble serve` as a real process: JSON log lines on stderr, and a SIGTERM that lets
the in-flight request and webhook delivery finish, leaves the outbox settled and exits 0."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson

from mumble.db import open_database
from mumble.models import Message, WebhookDelivery
from tests.database import column
from tests.webhooks.receiver import Receiver

DEMO_NUMBER = "100000000000001"
PHONE = "972501234567"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Serve:
    """A running `mumble serve`: its URLs, the demo account and key, and its stderr lines."""

    proc: asyncio.subprocess.Process
    api: str
    sandbox: str
    database_url: str
    account: str = ""
    key: str = ""
    stderr: list[str] = field(default_factory=list)

    def log_lines(self) -> list[dict[str, Any]]:
        return [orjson.loads(line) for line in self.stderr if line.strip()]


async def _collect(stream: asyncio.StreamReader, into: list[str]) -> None:
    while line := await stream.readline():
        into.append(line.decode())


@asynccontextmanager
async def running_serve(
    tmp_path: Path, extra_env: dict[str, str] | None = None, **settings: str
) -> AsyncIterator[Serve]:
    """`mumble serve` with MUMBLE_<NAME> for each of `settings` on a fresh SQLite database."""
    api_port, sandbox_port = _free_port(), _free_port()
    database_url = f"sqlite://{tmp_path / 'serve.sqlite3'}"
    values = {
        "database_url": database_url,
        "port": str(api_port),
        "sandbox_port": str(sandbox_port),
        "template_sync_seconds": "0",
        **settings,
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUMBLE_")}
    env |= {f"MUMBLE_{k.upper()}": v for k, v in values.items()} | (extra_env or {})
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "mumble",
        "serve",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    serve = Serve(
        proc, f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{sandbox_port}", database_url
    )
    collector = asyncio.create_task(_collect(proc.stderr, serve.stderr))
    try:
        while line := (await asyncio.wait_for(proc.stdout.readline(), 60)).decode():
            if line.strip().startswith("account:"):
                serve.account = line.split(":", 1)[1].strip()
            if line.strip().startswith("key:"):
                serve.key = line.split(":", 1)[1].strip()
                break
        assert serve.key, "".join(serve.stderr)
        await _wait_until_up(serve.api + "/healthz")
        await _wait_until_up(serve.sandbox + "/_sandbox/health")
        yield serve
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()
        await collector


async def _wait_until_up(url: str) -> None:
    async with httpx.AsyncClient(timeout=2) as http:
        for _ in range(300):
            try:
                await http.get(url)
                return
            except httpx.TransportError:
                await asyncio.sleep(0.05)
    raise AssertionError(f"{url} did not answer")


async def _until(condition: Any, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + 15
    while not await condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def test_serve_logs_one_json_line_per_request_with_account_route_status_and_latency(
    tmp_path: Path,
) -> None:
    async with running_serve(tmp_path) as serve, httpx.AsyncClient(timeout=10) as http:
        response = await http.get(
            serve.api + "/mumbleapi/get-labels?page=2",
            headers={"Mumble-Api-Key": serve.key, "X-Request-ID": "from-client-1"},
        )
        serve.proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(serve.proc.wait(), 30) == 0

    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "from-client-1"
    lines = serve.log_lines()  # every stderr line, uvicorn's included, is JSON
    access = [line for line in lines if line.get("request_id") == "from-client-1"]
    assert len(access) == 1
    assert {k: access[0][k] for k in ("logger", "method", "route", "path", "status")} == {
        "logger": "mumble.access",
        "method": "GET",
        "route": "/mumbleapi/get-labels",
        "path": "/mumbleapi/get-labels",
        "status": 200,
    }
    assert access[0]["account"] == serve.account
    assert access[0]["latency_ms"] >= 0
    assert any(line["logger"].startswith("uvicorn") for line in lines)
    assert serve.key not in "".join(serve.stderr)


async def test_sigterm_finishes_the_in_flight_send_and_delivery_then_exits_zero(
    tmp_path: Path,
) -> None:
    async with (
        Receiver().running() as receiver,
        running_serve(tmp_path, shutdown_grace_seconds="15", allow_private_urls="true") as serve,
        httpx.AsyncClient(timeout=30) as http,
    ):
        key = {"Mumble-Api-Key": serve.key}
        added = await http.post(
            serve.api + "/mumbleapi/add-webhook",
            headers=key,
            json={"url": receiver.url, "events": ["message.received"]},
        )
        assert added.status_code == 200, added.text
        receiver.delay = 2.5  # the delivery is still in flight when SIGTERM arrives
        inbound = await http.post(
            serve.sandbox + "/_sandbox/inbound",
            json={"phone_number_id": DEMO_NUMBER, "from": PHONE, "text": "Hi"},
        )
        assert inbound.json()["delivery"] == [200]
        fault = await http.post(
            serve.sandbox + "/_sandbox/faults", json={"target": "messages", "latency": 2.5}
        )
        assert fault.status_code == 200
        send = asyncio.create_task(
            http.post(
                serve.api + "/mumbleapi/send-text-message",
                headers=key,
                json={"customer_phone": PHONE, "text": "Hello"},
            )
        )

        async def meta_is_answering() -> bool:
            seen = (await http.get(serve.sandbox + "/_sandbox/requests")).json()["data"]
            return any(item["target"] == "messages" for item in seen)

        await _until(meta_is_answering, "the send to reach the sandbox")
        await asyncio.wait_for(receiver.arrived.wait(), 15)
        assert not send.done()  # SIGTERM lands while Meta (the sandbox) is still answering
        serve.proc.send_signal(signal.SIGTERM)
        await asyncio.sleep(0.5)
        try:
            await httpx.AsyncClient(timeout=1).get(serve.api + "/healthz")
            refused = False
        except httpx.TransportError:
            refused = True
        response = await send
        exit_code = await asyncio.wait_for(serve.proc.wait(), 30)

    assert refused, "a new connection was accepted after SIGTERM"
    assert response.status_code == 200, response.text
    assert exit_code == 0, "".join(serve.stderr)
    async with open_database(serve.database_url):
        statuses = column(await WebhookDelivery.all().values_list("status", flat=True))
        sent = await Message.get(direction="outbound")
    # The delivery in flight at SIGTERM was finished and recorded: no lease left behind.
    assert statuses == ["delivered"]
    assert len(receiver.received) == 1
    assert (sent.status, sent.wamid) == ("sent", response.json()["message_wa_id"])
    messages = [line["message"] for line in serve.log_lines()]
    assert any("Waiting for connections to close" in m for m in messages)
