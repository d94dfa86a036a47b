"""The scale-out stack: sandbox, two API processes, one worker, one database, one Redis."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis

from tests.scaleout.stack import (
    Process,
    forget_keys,
    free_port,
    mumble_env,
    new_tenant,
    run_cli,
    running,
)

# An explicit MUMBLE_TEST_REDIS_URL means Redis is required (CI); otherwise a missing local
# Redis skips the test, as the other Redis tests do.
REDIS_URL = os.environ.get("MUMBLE_TEST_REDIS_URL", "")
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
PHONE_NUMBER_ID = "100000000000777"
WABA_ID = "200000000000777"
CUSTOMERS = ("972501234567", "5215512345678")
SEND = "/mumbleapi/send-text-message"
APP_SECRET = "scale-out-app-secret"


@dataclasses.dataclass
class Api:
    """One API process and its base URL (its port survives a restart)."""

    process: Process
    base: str

    async def kill(self) -> None:
        await self.process.kill()

    async def start(self) -> None:
        await self.process.start()


@dataclasses.dataclass
class Stack:
    """Everything the scale-out test talks to."""

    apis: list[Api]
    worker: Process
    control: httpx.AsyncClient
    account_id: str
    key: str


async def redis_url() -> str:
    """The Redis the processes share; skips the test when no Redis was asked for or found."""
    url = REDIS_URL or DEFAULT_REDIS_URL
    client = aioredis.Redis.from_url(url, socket_connect_timeout=0.5)
    try:
        await client.ping()
    except (OSError, aioredis.RedisError):
        if REDIS_URL:
            raise AssertionError(f"MUMBLE_TEST_REDIS_URL={REDIS_URL} is not reachable") from None
        pytest.skip(f"Redis is not reachable at {url}")
    finally:
        await client.aclose()
    return url


@contextlib.asynccontextmanager
async def scale_out_stack(database_url: str, log_dir: Path) -> AsyncIterator[Stack]:
    """Migrate once, provision with the CLI, then run sandbox, API x2 and worker; always
    stops every process and forgets the Redis keys it used."""
    storage = await redis_url()
    prefix = f"mumble-scaleout-{uuid.uuid4().hex}"
    sandbox_port, api_ports = free_port(), [free_port(), free_port()]
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    env = mumble_env(
        database_url=database_url,
        rate_limit_storage=storage,
        rate_limit_key_prefix=prefix,
        # One client on one IP makes every call: only the key and messaging limits matter here.
        rate_limit_per_ip="100000/minute",
        # The limiter's timeout counts the wait for a busy event loop; a burst of concurrent
        # sends on a loaded CI machine can exceed the 250 ms default while Redis is healthy.
        # This scenario is about sharing limits; a stalled Redis is tests/test_ratelimit_stall.py.
        rate_limit_timeout_ms="2000",
        whatsapp_api_url=sandbox_url,
        whatsapp_app_secret=APP_SECRET,
        whatsapp_verify_token="scale-out-verify",
        allow_private_urls="true",
        template_sync_seconds="0",
        run_worker="false",
        migrate_on_start="false",
        log_level="warning",
    )
    # The one-shot migration (a no-op on the already migrated test database, as on a restart).
    assert "migrations applied" in await run_cli(env, "migrate")
    account_id, key = await new_tenant(env, "Scale Out", PHONE_NUMBER_ID, WABA_ID)
    webhook_url = f"http://127.0.0.1:{api_ports[0]}/webhooks/whatsapp"
    sandbox = Process(
        "sandbox",
        ["sandbox", "--port", str(sandbox_port), "--webhook-url", webhook_url],
        env,
        log_dir,
        ready_url=sandbox_url + "/_sandbox/health",
    )
    apis = [
        Api(
            Process(
                f"api-{name}",
                ["serve", "--port", str(port)],
                env,
                log_dir,
                ready_url=f"http://127.0.0.1:{port}/healthz",
            ),
            f"http://127.0.0.1:{port}",
        )
        for name, port in zip("ab", api_ports, strict=True)
    ]
    worker = Process("worker", ["worker"], env, log_dir, ready_line=b"webhook worker running")
    try:
        async with (
            running(sandbox, *(api.process for api in apis), worker),
            httpx.AsyncClient(base_url=sandbox_url, timeout=20) as control,
        ):
            channel = await control.post(
                "/_sandbox/channels",
                json={"phone_number_id": PHONE_NUMBER_ID, "waba_id": WABA_ID},
            )
            assert channel.status_code == 200, channel.text
            try:
                yield Stack(apis, worker, control, account_id, key)
            except BaseException:
                for process in (sandbox, *(api.process for api in apis), worker):
                    print(f"===== {process.name}\n{process.tail()}")
                raise
    finally:
        await forget_keys(storage, prefix)
