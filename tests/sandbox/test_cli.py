"""The `mumble sandbox` and `mumble serve` commands start the sandbox and answer (subprocesses)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from mumble.db import open_database
from mumble.models import Account


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUMBLE_")}
    return env | {f"MUMBLE_{k.upper()}": v for k, v in values.items()}


@asynccontextmanager
async def _running(*args: str, env: dict[str, str]) -> AsyncIterator[asyncio.subprocess.Process]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "mumble",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(proc.wait(), 15)
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def _wait_until_up(url: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=2) as http:
        for _ in range(200):
            try:
                return await http.get(url)
            except httpx.TransportError:
                await asyncio.sleep(0.05)
    raise AssertionError(f"{url} did not answer")


async def test_mumble_sandbox_starts_and_answers(tmp_path: Path) -> None:
    port = _free_port()
    env = _env(database_url=f"sqlite://{tmp_path / 'unused.sqlite3'}")
    async with _running("sandbox", "--port", str(port), "--webhook-url", "", env=env) as proc:
        health = await _wait_until_up(f"http://127.0.0.1:{port}/_sandbox/health")
        templates = await _wait_until_up(f"http://127.0.0.1:{port}/_sandbox/templates")
    output = (await proc.stdout.read()).decode() if proc.stdout else ""

    assert health.json() == {"ok": True, "webhook_url": ""}
    assert templates.json() == {"data": []}
    assert f"Cloud API sandbox on http://127.0.0.1:{port}" in output
    assert proc.returncode == 0


async def test_mumble_serve_without_a_graph_url_runs_the_sandbox_beside_the_api(
    tmp_path: Path,
) -> None:
    api_port, sandbox_port = _free_port(), _free_port()
    env = _env(
        database_url=f"sqlite://{tmp_path / 'serve.sqlite3'}",
        port=str(api_port),
        sandbox_port=str(sandbox_port),
    )
    sandbox = f"http://127.0.0.1:{sandbox_port}"
    async with _running("serve", env=env) as proc:
        key = await _demo_key(proc)
        health = await _wait_until_up(f"{sandbox}/_sandbox/health")
        await _wait_until_up(f"http://127.0.0.1:{api_port}/mumbleapi/get-labels")
        async with httpx.AsyncClient(timeout=10) as http:
            inbound = await http.post(
                f"{sandbox}/_sandbox/inbound",
                json={"phone_number_id": "100000000000001", "from": "972501234567", "text": "Hi"},
            )
            sent = await http.post(
                f"http://127.0.0.1:{api_port}/mumbleapi/send-text-message",
                json={"customer_phone": "972501234567", "text": "Hello back"},
                headers={"Mumble-Api-Key": key},
            )
            received = (await http.get(f"{sandbox}/_sandbox/messages")).json()["data"]

    assert health.json()["webhook_url"] == f"http://127.0.0.1:{api_port}/webhooks/whatsapp"
    # The API accepted the sandbox's signed webhook: both share the generated app secret.
    assert inbound.json()["delivery"] == [200]
    # The demo account's sandbox channel sends out of the box.
    assert sent.status_code == 200, sent.text
    assert [m["payload"]["text"]["body"] for m in received] == ["Hello back"]
    assert received[0]["id"] == sent.json()["message_wa_id"]


async def _demo_key(proc: asyncio.subprocess.Process) -> str:
    """The demo API key `mumble serve` prints once on an empty database."""
    assert proc.stdout is not None
    while line := (await asyncio.wait_for(proc.stdout.readline(), 60)).decode():
        if line.strip().startswith("key:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError("mumble serve printed no demo key")


async def test_account_create_sets_the_channel_and_never_prints_the_token(
    database_url: str,
) -> None:
    env = _env(database_url=database_url)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "mumble",
        "account",
        "create",
        "Shop",
        "--phone-number-id",
        "123456789012345",
        "--waba-id",
        "987654321098765",
        "--access-token",
        "EAAverysecret",
        "--json",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)

    assert proc.returncode == 0, err
    created = json.loads(out)
    assert created["name"] == "Shop"
    assert b"EAAverysecret" not in out + err
    async with open_database(database_url):
        account = await Account.get(id=created["id"])
    assert (account.phone_number_id, account.waba_id, account.access_token) == (
        "123456789012345",
        "987654321098765",
        "EAAverysecret",
    )


def _listening_addresses(port: int) -> set[str]:
    """The local addresses listening on `port`, read from /proc (no traffic is sent)."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port and len(address) == width:
                found.add(address)
    return found


async def test_mumble_sandbox_listens_on_loopback_only_even_for_a_wildcard_host(
    tmp_path: Path,
) -> None:
    port = _free_port()
    env = _env(database_url=f"sqlite://{tmp_path / 'unused.sqlite3'}", host="0.0.0.0")
    async with _running("sandbox", "--port", str(port), "--webhook-url", "", env=env) as proc:
        await _wait_until_up(f"http://127.0.0.1:{port}/_sandbox/health")
        listening = _listening_addresses(port)
    output = (await proc.stdout.read()).decode() if proc.stdout else ""

    assert listening == {"0100007F"}  # 127.0.0.1, little-endian hex
    assert "loopback only" in output


async def test_mumble_sandbox_refuses_a_host_that_is_not_loopback(tmp_path: Path) -> None:
    env = _env(database_url=f"sqlite://{tmp_path / 'unused.sqlite3'}")
    async with _running("sandbox", "--host", "192.0.2.10", "--port", "1", env=env) as proc:
        await asyncio.wait_for(proc.wait(), 30)
    output = (await proc.stdout.read()).decode() if proc.stdout else ""

    assert proc.returncode == 2
    assert "loopback only" in output


async def test_mumble_sandbox_binds_a_wildcard_host_only_when_told_the_network_is_private(
    tmp_path: Path,
) -> None:
    port = _free_port()
    env = _env(database_url=f"sqlite://{tmp_path / 'unused.sqlite3'}")
    args = ("sandbox", "--host", "0.0.0.0", "--private-network", "--port", str(port))
    async with _running(*args, "--webhook-url", "", env=env) as proc:
        await _wait_until_up(f"http://127.0.0.1:{port}/_sandbox/health")
        listening = _listening_addresses(port)
    output = (await proc.stdout.read()).decode() if proc.stdout else ""

    assert listening == {"00000000"}  # 0.0.0.0: the stack's containers reach it
    assert "ON A PRIVATE NETWORK" in output
