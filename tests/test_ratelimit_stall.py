"""A frozen Redis (SIGSTOP: connections accepted, nothing answered) costs one short timeout,
then the circuit breaker answers at once, as MUMBLE_RATE_LIMIT_FAIL_OPEN says, until Redis is
back and the breaker's period is over."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest
import redis

from mumble.settings import Settings
from tests.clock import FrozenClock
from tests.conftest import Tenant

LABELS = "/mumbleapi/get-labels"
TIMEOUT_MS = 100


@dataclasses.dataclass
class PrivateRedis:
    url: str
    process: subprocess.Popen[bytes]

    def freeze(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    """A redis-server of this test's own, so freezing it stalls no one else."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    argv = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    process = subprocess.Popen([*argv, "--appendonly", "no"], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url, socket_timeout=1)
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(redis.ConnectionError):
                if client.ping():
                    break
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
        yield PrivateRedis(url, process)
    finally:
        client.close()
        os.kill(process.pid, signal.SIGCONT)
        process.terminate()
        process.wait(10)


@pytest.fixture
def fail_open() -> bool:
    return False


@pytest.fixture
def settings(settings: Settings, private_redis: PrivateRedis, fail_open: bool) -> Settings:
    return dataclasses.replace(
        settings,
        rate_limit_storage=private_redis.url,
        rate_limit_timeout_ms=TIMEOUT_MS,
        rate_limit_breaker_seconds=5,
        rate_limit_fail_open=fail_open,
    )


async def _timed(client: httpx.AsyncClient, tenant: Tenant) -> tuple[float, httpx.Response]:
    started = time.monotonic()
    response = await client.get(LABELS, headers=tenant.headers)
    return time.monotonic() - started, response


@pytest.mark.parametrize("fail_open", [False, True])
async def test_a_frozen_redis_costs_one_short_timeout_then_fast_decisions(
    client: httpx.AsyncClient,
    tenant: Tenant,
    private_redis: PrivateRedis,
    clock: FrozenClock,
    fail_open: bool,
) -> None:
    assert (await client.get(LABELS, headers=tenant.headers)).status_code == 200
    private_redis.freeze()
    first, response = await _timed(client, tenant)
    expected = 200 if fail_open else 503
    assert response.status_code == expected
    # One timeout (plus the request itself), not 2 s per limiter layer.
    assert first < TIMEOUT_MS / 1000 + 0.4
    later = [await _timed(client, tenant) for _ in range(20)]
    assert {r.status_code for _, r in later} == {expected}
    # The breaker is open: no request waits for Redis any more.
    assert sum(t for t, _ in later) < 1.0
    if fail_open:
        assert "x-ratelimit-limit" not in later[-1][1].headers
    else:
        assert later[-1][1].json() == {
            "error": True,
            "message": "Rate limit storage is unavailable",
        }
    # Back, but the breaker's period is not over: still the fast decision.
    private_redis.thaw()
    assert (await client.get(LABELS, headers=tenant.headers)).status_code == expected
    clock.advance(seconds=6)
    recovered = await client.get(LABELS, headers=tenant.headers)
    assert recovered.status_code == 200
    assert "x-ratelimit-limit" in recovered.headers
