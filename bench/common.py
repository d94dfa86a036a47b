"""Shared benchmark machinery: a throwaway PostgreSQL database, real server processes, a
closed-loop HTTP load generator (aiohttp, 127.0.0.1 only, bounded in count and time),
percentiles, per-process CPU and memory from /proc, and printing.

Every benchmark prints human-readable lines and, last, one `RESULT {json}` line that tools
(and the smoke test) can read.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import asyncpg
import orjson

from bench import counting

ADMIN_URL = os.environ.get(
    "MUMBLE_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("MUMBLE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
# The uvicorn options of `mumble serve`, applied to every server a benchmark starts.
LOG_LEVEL = "warning"
_TICKS = os.sysconf("SC_CLK_TCK")


def parser(description: str) -> argparse.ArgumentParser:
    """The common flags: --quick (seconds, small data: the smoke test's mode)."""
    cli = argparse.ArgumentParser(description=description)
    cli.add_argument("--quick", action="store_true", help="tiny run to check the bench works")
    cli.add_argument("--duration", type=float, help="seconds of measured load")
    cli.add_argument("--concurrency", type=int, help="requests in flight")
    return cli


# --- databases -------------------------------------------------------------------------


def _swap_database(url: str, name: str, scheme: str | None = None) -> str:
    parts = urlsplit(url)
    return urlunsplit((scheme or parts.scheme, parts.netloc, "/" + name, parts.query, ""))


def asyncpg_dsn(url: str) -> str:
    """The same database as a plain postgresql:// DSN for asyncpg."""
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, "", ""))


# Log the plan of every statement slower than this many ms to PostgreSQL's server log (set on
# the bench database only, which is dropped after the run: nothing of the server changes).
EXPLAIN_MS = os.environ.get("MUMBLE_BENCH_EXPLAIN_MS")


async def _explain_slow_statements(database: str, ms: int) -> None:
    admin = await asyncpg.connect(asyncpg_dsn(ADMIN_URL))
    try:
        await admin.execute(
            f"ALTER DATABASE \"{database}\" SET session_preload_libraries = 'auto_explain'"
        )
        await admin.execute(
            f"ALTER DATABASE \"{database}\" SET auto_explain.log_min_duration = '{ms}ms'"
        )
    finally:
        await admin.close()


@contextlib.asynccontextmanager
async def bench_database() -> AsyncIterator[str]:
    """A fresh, migrated PostgreSQL database for one run, dropped afterwards."""
    from mumble.db import migrate

    name = f"mumble_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(asyncpg_dsn(ADMIN_URL))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = _swap_database(ADMIN_URL, name, "postgres")
    try:
        await migrate(url)
        if EXPLAIN_MS:
            await _explain_slow_statements(name, int(EXPLAIN_MS))
        yield url
    finally:
        admin = await asyncpg.connect(asyncpg_dsn(ADMIN_URL))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@dataclass(frozen=True)
class Tenant:
    """The benchmark's account and its full-access key (no per-key limit)."""

    account_id: str
    key: str


async def make_tenant(
    database_url: str, *, channel: bool = False, rate_limit: str = "unlimited"
) -> Tenant:
    """One account (with the sandbox demo channel if asked) and a full-access key."""
    from mumble.accounts import service
    from mumble.cli.server import DEMO_CHANNEL
    from mumble.db import open_database

    async with open_database(database_url):
        account = await service.create_account("Bench", DEMO_CHANNEL if channel else None)
        _, key = await service.create_key(account.id, label="bench", rate_limit=rate_limit)
    return Tenant(str(account.id), key)


async def sql(database_url: str, *statements: str) -> None:
    """Run SQL statements (bulk loads, VACUUM) on the bench database, printing progress."""
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        for statement in statements:
            started = time.perf_counter()
            await conn.execute(statement)
            head = " ".join(statement.split())[:70]
            say(f"  sql {time.perf_counter() - started:6.1f}s  {head}")
    finally:
        await conn.close()


BASE_PHONE = 972500000000


def phone(n: int) -> str:
    """The n-th bench customer's phone (valid Israeli mobile numbers, 1 <= n < 10**7)."""
    return str(BASE_PHONE + n)


def customers_sql(account_id: str, count: int, *, window_open: bool = False) -> str:
    """INSERT of `count` customers numbered 1..count, one second apart in creation order."""
    inbound = "now()" if window_open else "NULL"
    return f"""
        INSERT INTO customer (id, account_id, phone, name, email, conversation_status,
            attribution, custom_fields, last_inbound_at, last_interaction, created_at, updated_at)
        SELECT gen_random_uuid(), '{account_id}', ({BASE_PHONE} + g)::text, 'Customer ' || g,
            'customer' || g || '@example.com', 'new', '{{}}'::jsonb, '{{}}'::jsonb,
            {inbound}, {inbound}, now() - ({count} - g) * interval '1 second', now()
        FROM generate_series(1, {count}) AS g"""


def messages_sql(account_id: str, count: int) -> str:
    """INSERT of `count` outbound text messages `wamid.bench.1..count`, status sent, spread
    over the account's customers."""
    return f"""
        WITH c AS (SELECT array_agg(id ORDER BY created_at) AS ids, count(*) AS n
                   FROM customer WHERE account_id = '{account_id}')
        INSERT INTO message (direction, type, text, media_state, media_attempts, wamid, status,
            payload, occurred_at, sent_at, created_at, updated_at, account_id, customer_id)
        SELECT 'outbound', 'text', 'Hello ' || g, 'none', 0, 'wamid.bench.' || g, 'sent',
            '{{}}'::jsonb, now(), now(), now(), now(), '{account_id}', c.ids[1 + g % c.n]
        FROM generate_series(1, {count}) AS g, c"""


WEBHOOK_SECRET = "bench-app-secret"


def signed_webhook(envelope: dict[str, Any], url: str) -> Request:
    """A POST to /webhooks/whatsapp signed like Meta's (X-Hub-Signature-256)."""
    from mumble.whatsapp import signature

    body = orjson.dumps(envelope)
    headers = {
        "Content-Type": "application/json",
        signature.HEADER: signature.sign(body, WEBHOOK_SECRET),
    }
    return "POST", url, headers, body


async def fetch_value(database_url: str, query: str) -> Any:
    """One value from the bench database (to check what a run stored)."""
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        return await conn.fetchval(query)
    finally:
        await conn.close()


# --- server processes ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(**settings: str | int) -> dict[str, str]:
    """This process's environment without MUMBLE_* leftovers, plus the given MUMBLE_ settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUMBLE_")}
    env.update({"MUMBLE_" + k.upper(): str(v) for k, v in settings.items()})
    return env


def mumble_settings(database_url: str, port: int, **extra: str | int) -> dict[str, str]:
    """Production-like settings: PostgreSQL, limits in Redis (memory:// if REDIS_URL says so)."""
    defaults: dict[str, str | int] = {
        "database_url": database_url,
        "port": port,
        "log_level": LOG_LEVEL,
        "template_sync_seconds": 0,
        "rate_limit_storage": REDIS_URL,
        "rate_limit_key_prefix": f"bench-{uuid.uuid4().hex[:8]}",
        "sandbox_port": free_port(),
        "whatsapp_app_secret": WEBHOOK_SECRET,
        "allow_private_urls": "true",
        "run_worker": "false",
    }
    return server_env(**(defaults | extra))


class Server:
    """A server in its own process (stdout/stderr to a log file); CPU and memory from /proc.

    With `counted`, the process runs under `bench.counting`: its PostgreSQL, Redis and HTTP
    round trips are counted into `counters_path`.
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        env: dict[str, str],
        port: int,
        *,
        counted: bool = False,
    ) -> None:
        self.name = name
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = Path(tempfile.mkstemp(prefix=f"bench-{name}-", suffix=".log")[1])
        self.counters_path: Path | None = None
        if counted:
            self.counters_path = Path(tempfile.mkstemp(prefix=f"bench-{name}-", suffix=".rt")[1])
            self.counters_path.unlink()
            python, rest = argv[0], list(argv[1:])
            argv = [python, "-m", "bench.counting", str(self.counters_path), *rest]
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                list(argv), env=env, stdout=out, stderr=subprocess.STDOUT, cwd=_ROOT
            )

    async def ready(self, within: float = 60.0) -> None:
        """Wait until the port answers HTTP (any status)."""
        deadline = time.monotonic() + within
        async with aiohttp.ClientSession() as session:
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{self.name} exited: {self.tail()}")
                with contextlib.suppress(aiohttp.ClientError, OSError):
                    async with session.get(self.url + "/", timeout=aiohttp.ClientTimeout(2)):
                        return
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name} did not start: {self.tail()}")
                await asyncio.sleep(0.2)

    def cpu_seconds(self) -> float:
        """User + system CPU time of the process so far."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICKS

    def memory(self) -> tuple[float, float]:
        """(current RSS, peak RSS) in MiB."""
        status = Path(f"/proc/{self.proc.pid}/status").read_text().splitlines()
        values = {line.split(":")[0]: line.split()[1] for line in status if line[:2] == "Vm"}
        return int(values["VmRSS"]) / 1024, int(values["VmHWM"]) / 1024

    def tail(self, lines: int = 20) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.unlink(missing_ok=True)
        if self.counters_path is not None:
            self.counters_path.unlink(missing_ok=True)


_ROOT = str(Path(__file__).resolve().parent.parent)


def mumble_server(env: dict[str, str], port: int) -> Server:
    """`mumble serve` exactly as an operator runs it (migrations are already applied)."""
    argv = [sys.executable, "-m", "mumble", "serve", "--port", str(port)]
    return Server("mumble", argv, env, port, counted=True)


def bare_server() -> Server:
    """The baseline Starlette app (bench/bare.py) under the same uvicorn options."""
    port = free_port()
    argv = [sys.executable, "-m", "bench.bare", "--port", str(port)]
    return Server("bare", argv, server_env(), port)


def sandbox_server(webhook_url: str = "") -> Server:
    """`mumble sandbox` in its own process, as a stand-in for Meta's Graph API."""
    port = free_port()
    argv = [sys.executable, "-m", "mumble", "sandbox", "--port", str(port)]
    argv += ["--webhook-url", webhook_url]
    env = server_env(log_level=LOG_LEVEL, whatsapp_app_secret=WEBHOOK_SECRET)
    return Server("sandbox", argv, env, port)


async def post_json(
    url: str, payload: dict[str, Any], headers: dict[str, str] | None = None
) -> Any:
    """One JSON POST (setup calls such as the sandbox's control API); raises on >= 400."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json=payload, headers=headers, raise_for_status=True) as resp,
    ):
        return await resp.json()


@contextlib.contextmanager
def running(*servers: Server) -> Iterator[None]:
    try:
        yield
    finally:
        for server in servers:
            server.stop()


# --- load generation -------------------------------------------------------------------

Request = tuple[str, str, dict[str, str], bytes | None]


@dataclass
class Load:
    """What a closed-loop run measured."""

    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    server_cpu: float = 0.0
    # Round trips per request of the counted servers (bench.counting), by kind.
    trips: dict[str, float] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def ms(self, q: float) -> float:
        return percentile(self.latencies, q) * 1000

    def ok(self, status: int = 200) -> bool:
        return set(self.statuses) == {status}

    def figures(self, prefix: str) -> dict[str, float | str]:
        figures: dict[str, float | str] = {
            f"{prefix}_rps": round(self.rate, 1),
            f"{prefix}_p50_ms": round(self.ms(50), 2),
            f"{prefix}_p99_ms": round(self.ms(99), 2),
        }
        if self.server_cpu:
            figures[f"{prefix}_server_cpu_ms_per_req"] = round(
                self.server_cpu * 1000 / max(1, self.count), 3
            )
        if self.trips:
            figures[f"{prefix}_round_trips"] = self.trips["total"]
            figures[f"{prefix}_round_trips_detail"] = counting.describe(self.trips)
        return figures


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (nearest rank), 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


async def closed_loop(
    make: Callable[[int], Request],
    *,
    concurrency: int,
    duration: float,
    max_requests: int = 1_000_000,
    warmup: float = 0.0,
    servers: Sequence[Server] = (),
) -> Load:
    """`concurrency` clients, each sending its next request when the last one answered.

    Runs `warmup` seconds unmeasured, then measures for `duration` seconds or `max_requests`
    requests, whichever comes first. `servers`' CPU time over the measured part is recorded.
    """
    counter = iter(range(10**9))
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def client(until: float, load: Load | None, budget: list[int]) -> None:
            while time.perf_counter() < until and budget[0] > 0:
                budget[0] -= 1
                method, url, headers, body = make(next(counter))
                started = time.perf_counter()
                async with session.request(method, url, headers=headers, data=body) as resp:
                    await resp.read()
                if load is not None:
                    load.latencies.append(time.perf_counter() - started)
                    load.statuses[resp.status] += 1

        if warmup:
            until = time.perf_counter() + warmup
            await asyncio.gather(*(client(until, None, [10**9]) for _ in range(concurrency)))
        load = Load()
        counters = server_counters(servers)
        trips_before = counters.read()
        cpu_before = sum(s.cpu_seconds() for s in servers)
        started = time.perf_counter()
        until = started + duration
        budget = [max_requests]
        await asyncio.gather(*(client(until, load, budget) for _ in range(concurrency)))
        load.seconds = time.perf_counter() - started
        load.server_cpu = sum(s.cpu_seconds() for s in servers) - cpu_before
        if counters.paths:
            load.trips = counting.per_request(trips_before, counters.read(), load.count)
    return load


def server_counters(servers: Sequence[Server]) -> counting.Counters:
    """The round-trip counters of those servers that count them."""
    return counting.Counters(tuple(s.counters_path for s in servers if s.counters_path))


def repeat(request: Request) -> Callable[[int], Request]:
    """The same request every time."""
    return lambda _: request


def json_request(method: str, url: str, key: str, payload: dict[str, Any] | None = None) -> Request:
    headers = {"Mumble-Api-Key": key}
    if payload is None:
        return method, url, headers, None
    headers["Content-Type"] = "application/json"
    return method, url, headers, orjson.dumps(payload)


# --- printing --------------------------------------------------------------------------


def say(line: str) -> None:
    print(line, flush=True)


def machine() -> str:
    """`2 cores, Python 3.11.7` (what the figures were measured on)."""
    return f"{os.cpu_count()} cores, Python {sys.version.split()[0]}"


def report(name: str, figures: dict[str, Any]) -> None:
    """Print the figures, one per line, then the machine-readable RESULT line."""
    say(f"== {name} ({machine()})")
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        say(f"  {key:<{width}}  {value}")
    say("RESULT " + orjson.dumps({"bench": name, **figures}).decode())


def ratio(value: float, baseline: float) -> float:
    """value / baseline, 0 when the baseline is 0 (rounded for printing)."""
    return round(value / baseline, 3) if baseline else 0.0


def check(load: Load, what: str, status: int = 200) -> None:
    """A benchmark whose requests failed measured nothing: stop with the statuses seen."""
    if not load.count or not load.ok(status):
        raise SystemExit(f"{what}: unexpected statuses {dict(load.statuses)}")
