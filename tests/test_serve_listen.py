"""`mumble serve` and `mumble sandbox` bind their ports first: a taken port is an immediate,
explained exit; an IPv6 API gets an IPv6 loopback sandbox; the sandbox is only ever on loopback."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from mumble.settings import Settings
from tests.sandbox.test_cli import _demo_key, _env, _listening_addresses, _running, _wait_until_up


def _free_port(host: str = "127.0.0.1") -> int:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@contextmanager
def _held(port: int, host: str = "127.0.0.1") -> Iterator[None]:
    """Another process's listener on `port`, as a second `mumble serve` would hold it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as sock:
        sock.bind((host, port))
        sock.listen()
        yield


def _database_url(tmp_path: Path) -> str:
    # The bind comes before the database is touched, so the database kind changes nothing;
    # the suite's own database is used to show it on PostgreSQL too.
    return os.environ.get("MUMBLE_TEST_DATABASE_URL") or f"sqlite://{tmp_path / 'serve.sqlite3'}"


async def _exits(*args: str, env: dict[str, str]) -> tuple[int, str, float]:
    """Run `mumble ARGS` expecting it to stop by itself: (exit code, output, seconds)."""
    started = time.monotonic()
    async with _running(*args, env=env) as proc:
        try:
            await asyncio.wait_for(proc.wait(), 20)
        except TimeoutError:
            proc.kill()  # hung: what this test is about
            await proc.wait()
            raise AssertionError(f"`mumble {' '.join(args)}` hung on a taken port") from None
        output = (await proc.stdout.read()).decode() if proc.stdout else ""
    return proc.returncode or 0, output, time.monotonic() - started


@pytest.mark.parametrize("attempt", range(3))
async def test_serve_exits_at_once_naming_the_port_when_the_sandbox_port_is_taken(
    tmp_path: Path, attempt: int
) -> None:
    api_port, sandbox_port = _free_port(), _free_port()
    env = _env(
        database_url=_database_url(tmp_path), port=str(api_port), sandbox_port=str(sandbox_port)
    )
    with _held(sandbox_port):
        code, output, seconds = await _exits("serve", env=env)

    assert code == 1, output
    assert f"127.0.0.1:{sandbox_port}" in output
    assert "MUMBLE_SANDBOX_PORT" in output
    assert seconds < 10
    assert "Uvicorn running" not in output


async def test_serve_exits_at_once_naming_the_setting_when_the_api_port_is_taken(
    tmp_path: Path,
) -> None:
    api_port = _free_port()
    env = _env(database_url=_database_url(tmp_path), port=str(api_port), sandbox_port="0")
    with _held(api_port):
        code, output, _ = await _exits("serve", env=env)

    assert code == 1, output
    assert f"127.0.0.1:{api_port}" in output
    assert "MUMBLE_PORT" in output


async def test_sandbox_exits_at_once_when_its_port_is_taken(tmp_path: Path) -> None:
    port = _free_port()
    env = _env(database_url=f"sqlite://{tmp_path / 'unused.sqlite3'}")
    with _held(port):
        code, output, _ = await _exits("sandbox", "--port", str(port), env=env)

    assert code == 1, output
    assert "MUMBLE_SANDBOX_PORT" in output


async def test_serve_on_ipv6_loopback_runs_its_sandbox_on_ipv6_loopback_and_round_trips(
    tmp_path: Path,
) -> None:
    api_port, sandbox_port = _free_port("::1"), _free_port("::1")
    env = _env(
        database_url=f"sqlite://{tmp_path / 'serve.sqlite3'}",
        host="::1",
        port=str(api_port),
        sandbox_port=str(sandbox_port),
    )
    api, sandbox = f"http://[::1]:{api_port}", f"http://[::1]:{sandbox_port}"
    async with _running("serve", env=env) as proc:
        key = await _demo_key(proc)
        health = await _wait_until_up(f"{sandbox}/_sandbox/health")
        await _wait_until_up(f"{api}/healthz")
        async with httpx.AsyncClient(timeout=10) as http:
            inbound = await http.post(
                f"{sandbox}/_sandbox/inbound",
                json={"phone_number_id": "100000000000001", "from": "972501234567", "text": "Hi"},
            )
            sent = await http.post(
                f"{api}/mumbleapi/send-text-message",
                json={"customer_phone": "972501234567", "text": "Hello back"},
                headers={"Mumble-Api-Key": key},
            )
        listening = _listening_addresses(sandbox_port)

    assert health.json()["webhook_url"] == f"http://[::1]:{api_port}/webhooks/whatsapp"
    assert inbound.json()["delivery"] == [200]
    assert sent.status_code == 200, sent.text
    assert listening == {"00000000000000000000000001000000"}  # ::1 only


async def test_serve_says_its_sandbox_is_loopback_only_and_binds_it_there_for_a_wildcard_host(
    tmp_path: Path,
) -> None:
    api_port, sandbox_port = _free_port(), _free_port()
    env = _env(
        database_url=f"sqlite://{tmp_path / 'serve.sqlite3'}",
        host="0.0.0.0",
        port=str(api_port),
        sandbox_port=str(sandbox_port),
    )
    async with _running("serve", env=env) as proc:
        await _demo_key(proc)
        await _wait_until_up(f"http://127.0.0.1:{sandbox_port}/_sandbox/health")
        listening = _listening_addresses(sandbox_port)
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 30)
        output = (await proc.stdout.read()).decode() if proc.stdout else ""

    assert listening == {"0100007F"}  # 127.0.0.1 only, while the API listens on every interface
    assert f"sandbox runs on http://127.0.0.1:{sandbox_port} (loopback only" in output


async def test_serve_with_a_graph_url_starts_no_sandbox(tmp_path: Path) -> None:
    api_port, sandbox_port = _free_port(), _free_port()
    env = _env(
        database_url=f"sqlite://{tmp_path / 'serve.sqlite3'}",
        port=str(api_port),
        sandbox_port=str(sandbox_port),
        whatsapp_api_url="http://127.0.0.1:9",
        whatsapp_app_secret="secret",
    )
    async with _running("serve", env=env) as proc:
        await _wait_until_up(f"http://127.0.0.1:{api_port}/healthz")
        listening = _listening_addresses(sandbox_port)
    output = (await proc.stdout.read()).decode() if proc.stdout else ""

    assert listening == set()
    assert "sandbox" not in output.lower()


@pytest.mark.parametrize(
    ("host", "sandbox_url"),
    [
        ("127.0.0.1", "http://127.0.0.1:8765"),
        ("0.0.0.0", "http://127.0.0.1:8765"),
        ("192.0.2.10", "http://127.0.0.1:8765"),
        ("::1", "http://[::1]:8765"),
        ("::", "http://[::1]:8765"),
        ("2001:db8::1", "http://[::1]:8765"),
    ],
)
def test_the_sandbox_url_is_a_loopback_address_of_the_api_hosts_family(
    host: str, sandbox_url: str
) -> None:
    assert Settings(host=host).graph_api_url == sandbox_url
    assert Settings(host=host, whatsapp_api_url="https://graph.example").graph_api_url == (
        "https://graph.example"
    )
