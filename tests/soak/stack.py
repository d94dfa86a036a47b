"""The soak's processes: a fresh PostgreSQL database, the sandbox, two API processes, a worker.

Built from tests/scaleout/stack.py's `Process` (real `python -m mumble` children, always
stopped on the way out); the database is created for the run and dropped after it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx

from tests.scaleout.stack import (
    Process,
    forget_keys,
    free_port,
    mumble_env,
    new_tenant,
    run_cli,
    running,
)

PHONE_NUMBER_ID = "100000000000888"
WABA_ID = "200000000000888"
APP_SECRET = "soak-app-secret"
# A send still `accepted` this long lost its process; the worker sweeps every quarter of it.
# Far longer than a live send takes here (one Graph call, no Retry-After faults).
SEND_LEASE_SECONDS = 16
# A delivery claimed by the killed worker is due again after this.
WEBHOOK_LEASE_SECONDS = 8


@dataclasses.dataclass
class Stack:
    sandbox: Process
    apis: list[Process]
    bases: list[str]
    worker: Process
    control: httpx.AsyncClient
    database_url: str
    key: str
    account_id: str

    def processes(self) -> list[Process]:
        return [self.sandbox, *self.apis, self.worker]


def _database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


def _dsn(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, "/" + name, "", ""))


@contextlib.asynccontextmanager
async def fresh_database(server_url: str) -> AsyncIterator[str]:
    """A new, empty PostgreSQL database on `server_url`'s server; dropped afterwards."""
    name = f"mumble_soak_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(_dsn(server_url, "postgres"))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield _database(server_url, name)
    finally:
        admin = await asyncpg.connect(_dsn(server_url, "postgres"))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@contextlib.asynccontextmanager
async def soak_stack(server_url: str, redis_url: str, log_dir: Path) -> AsyncIterator[Stack]:
    """Migrate a fresh database, provision with the CLI, run sandbox + API x2 + worker."""
    prefix = f"mumble-soak-{uuid.uuid4().hex}"
    sandbox_port, api_ports = free_port(), [free_port(), free_port()]
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    async with fresh_database(server_url) as database_url:
        env = mumble_env(
            database_url=database_url,
            rate_limit_storage=redis_url,
            rate_limit_key_prefix=prefix,
            # One client on one IP sends thousands: the limits are not what the soak is about.
            rate_limit_per_ip="1000000/minute",
            rate_limit_per_key="1000000/minute",
            rate_limit_messaging="100000/second",
            rate_limit_timeout_ms="2000",
            whatsapp_api_url=sandbox_url,
            whatsapp_app_secret=APP_SECRET,
            whatsapp_verify_token="soak-verify",
            allow_private_urls="true",
            template_sync_seconds="0",
            run_worker="false",
            migrate_on_start="false",
            send_lease_seconds=str(SEND_LEASE_SECONDS),
            webhook_lease_seconds=str(WEBHOOK_LEASE_SECONDS),
            webhook_timeout_seconds="5",
            log_level="warning",
        )
        assert "migrations applied" in await run_cli(env, "migrate")
        account_id, key = await new_tenant(env, "Soak", PHONE_NUMBER_ID, WABA_ID)
        # Meta's webhooks go to API process A; B is the one killed (the sandbox does not retry
        # a webhook the way Meta does for days, so a webhook posted to a dead process is lost).
        webhook_url = f"http://127.0.0.1:{api_ports[0]}/webhooks/whatsapp"
        sandbox = Process(
            "sandbox",
            ["sandbox", "--port", str(sandbox_port), "--webhook-url", webhook_url],
            env,
            log_dir,
            ready_url=sandbox_url + "/_sandbox/health",
        )
        bases = [f"http://127.0.0.1:{port}" for port in api_ports]
        apis = [
            Process(f"api-{name}", ["serve", "--port", str(port)], env, log_dir,
                    ready_url=f"{base}/healthz")
            for name, port, base in zip("ab", api_ports, bases, strict=True)
        ]  # fmt: skip
        worker = Process("worker", ["worker"], env, log_dir, ready_line=b"webhook worker running")
        try:
            async with (
                running(sandbox, *apis, worker),
                httpx.AsyncClient(base_url=sandbox_url, timeout=30) as control,
            ):
                channel = await control.post(
                    "/_sandbox/channels",
                    json={"phone_number_id": PHONE_NUMBER_ID, "waba_id": WABA_ID},
                )
                assert channel.status_code == 200, channel.text
                yield Stack(
                    sandbox, apis, bases, worker, control, database_url,
                    key, account_id,
                )  # fmt: skip
        finally:
            await forget_keys(redis_url, prefix)
