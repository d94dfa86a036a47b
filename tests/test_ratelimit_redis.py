"""Two real `mumble serve` processes sharing one Redis admit exactly the configured number."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import orjson
import pytest
import redis.asyncio as aioredis

from tests.scaleout.stack import forget_keys

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("MUMBLE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
LABELS = "/mumbleapi/get-labels"


async def _redis_up() -> bool:
    client = aioredis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5)
    try:
        return bool(await client.ping())
    except (OSError, aioredis.RedisError):
        return False
    finally:
        await client.aclose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(database_url: str, prefix: str) -> dict[str, str]:
    return {
        **os.environ,
        "MUMBLE_DATABASE_URL": database_url,
        "MUMBLE_RATE_LIMIT_STORAGE": REDIS_URL,
        "MUMBLE_RATE_LIMIT_KEY_PREFIX": prefix,
        "MUMBLE_RATE_LIMIT_PER_IP": "10000/minute",
        # A Graph URL of our own means no sandbox beside each server (they would share its port).
        "MUMBLE_WHATSAPP_API_URL": "http://127.0.0.1:9",
        "MUMBLE_RUN_WORKER": "0",
        "MUMBLE_LOG_LEVEL": "warning",
    }


async def _cli(env: dict[str, str], *args: str) -> dict[str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "mumble", *args, "--json", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, stderr.decode()
    result: dict[str, str] = orjson.loads(stdout.strip().splitlines()[-1])
    return result


@contextlib.asynccontextmanager
async def _server(env: dict[str, str]) -> AsyncIterator[str]:
    """`python -m mumble serve --port P` as a real process; yields its base URL once it answers."""
    port = _free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "mumble", "serve", "--port", str(port), cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url, timeout=2) as probe:
            deadline = time.monotonic() + 30
            while True:
                assert process.returncode is None, "mumble serve exited"
                with contextlib.suppress(httpx.TransportError):
                    # An unknown path is answered without touching the limiter.
                    if (await probe.get("/ready?")).status_code == 404:
                        break
                assert time.monotonic() < deadline, "mumble serve did not start"
                await asyncio.sleep(0.1)
        yield url
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=30)


async def _avoid_window_edge(seconds: int = 3600, margin: float = 30) -> None:
    """Keep the test inside one window of `seconds` (sleeps only in the window's last moments)."""
    left = seconds - time.time() % seconds
    if left < margin:
        await asyncio.sleep(left + 0.5)


async def test_two_processes_sharing_redis_admit_exactly_the_limit(database_url: str) -> None:
    if not await _redis_up():
        # CI names its Redis: there an unreachable Redis is a failure, never a skip.
        assert "MUMBLE_TEST_REDIS_URL" not in os.environ, f"Redis is not reachable at {REDIS_URL}"
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    prefix = f"mumble-2proc-{uuid.uuid4().hex}"
    env = _env(database_url, prefix)
    account = await _cli(env, "account", "create", "Two Processes")
    alternating = await _cli(
        env, "key", "create", "--account", account["id"], "--rate-limit", "7/hour"
    )
    burst = await _cli(env, "key", "create", "--account", account["id"], "--rate-limit", "11/hour")
    try:
        async with (
            _server(env) as first,
            _server(env) as second,
            httpx.AsyncClient(timeout=10) as http,
        ):
            await _avoid_window_edge()
            statuses: dict[str, list[int]] = {first: [], second: []}
            for n in range(20):
                base = first if n % 2 == 0 else second
                response = await http.get(
                    base + LABELS, headers={"Mumble-Api-Key": alternating["key"]}
                )
                statuses[base].append(response.status_code)
            every = statuses[first] + statuses[second]
            assert every.count(200) == 7
            assert every.count(429) == 13
            # Both processes served part of the budget: they counted in the same place.
            assert statuses[first].count(200) == 4
            assert statuses[second].count(200) == 3

            # Concurrent callers on both processes at once: still exactly the limit.
            calls = [
                http.get((first, second)[n % 2] + LABELS, headers={"Mumble-Api-Key": burst["key"]})
                for n in range(30)
            ]
            burst_statuses = [r.status_code for r in await asyncio.gather(*calls)]
            assert burst_statuses.count(200) == 11
            assert burst_statuses.count(429) == 19
    finally:
        await forget_keys(REDIS_URL, prefix)


async def test_large_limits_reserve_blocks_and_never_exceed_while_small_ones_stay_exact(
    database_url: str,
) -> None:
    if not await _redis_up():
        assert "MUMBLE_TEST_REDIS_URL" not in os.environ, f"Redis is not reachable at {REDIS_URL}"
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    prefix = f"mumble-blocks-{uuid.uuid4().hex}"
    # Windows of 100 and more reserve blocks of 1% (at least 2): 300/hour in blocks of 3.
    env = {**_env(database_url, prefix), "MUMBLE_RATE_LIMIT_BLOCK_FROM": "100"}
    account = await _cli(env, "account", "create", "Blocks")
    large = await _cli(env, "key", "create", "--account", account["id"], "--rate-limit", "300/hour")
    small = await _cli(env, "key", "create", "--account", account["id"], "--rate-limit", "10/hour")
    try:
        async with (
            _server(env) as first,
            _server(env) as second,
            httpx.AsyncClient(timeout=10) as http,
        ):
            await _avoid_window_edge()

            async def burst(key: str, count: int) -> list[int]:
                statuses: list[int] = []
                for start in range(0, count, 20):
                    calls = [
                        http.get((first, second)[n % 2] + LABELS, headers={"Mumble-Api-Key": key})
                        for n in range(start, min(count, start + 20))
                    ]
                    statuses += [r.status_code for r in await asyncio.gather(*calls)]
                return statuses

            admitted = (await burst(large["key"], 360)).count(200)
            # Never above the limit; below it by at most one block's remainder per process.
            assert 300 - 2 * (3 - 1) <= admitted <= 300
            small_statuses = await burst(small["key"], 30)
            assert small_statuses.count(200) == 10
            assert small_statuses.count(429) == 20
    finally:
        await forget_keys(REDIS_URL, prefix)
