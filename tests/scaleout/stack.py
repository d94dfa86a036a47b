"""Real `python -m mumble` processes for the scale-out test: sandbox, API replicas, one worker.

Every process gets its own log file (shown when a test fails) and is always stopped by the
context manager that started it, killed if it does not stop in time.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import redis.asyncio as aioredis

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 30.0
STOP_SECONDS = 10.0


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def mumble_env(**values: str) -> dict[str, str]:
    """This process's environment without any MUMBLE_* variable, plus `values` as MUMBLE_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MUMBLE_")}
    return env | {f"MUMBLE_{k.upper()}": v for k, v in values.items()}


async def cli_json(env: dict[str, str], *args: str) -> dict[str, Any]:
    """Run `python -m mumble ARGS --json`; its JSON answer (the command must succeed)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "mumble", *args, "--json", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), START_SECONDS)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, stderr.decode()
    result: dict[str, Any] = orjson.loads(stdout.strip().splitlines()[-1])
    return result


async def new_tenant(
    env: dict[str, str], name: str, phone_number_id: str, waba_id: str
) -> tuple[str, str]:
    """Create an account through the CLI and a key for it: the account's id, the key's secret."""
    account = await cli_json(
        env, "account", "create", name, "--phone-number-id", phone_number_id,
        "--waba-id", waba_id, "--access-token", "EAA" + name.lower().replace(" ", ""),
    )  # fmt: skip
    key = await cli_json(env, "key", "create", "--account", account["id"])
    return str(account["id"]), str(key["key"])


async def forget_keys(redis_url: str, prefix: str) -> None:
    """Delete the Redis keys a run wrote under its own prefix."""
    client = aioredis.Redis.from_url(redis_url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


async def run_cli(env: dict[str, str], *args: str) -> str:
    """Run `python -m mumble ARGS` (no --json); its standard output (it must succeed)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "mumble", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        stdout, _ = await asyncio.wait_for(process.communicate(), START_SECONDS)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, stdout.decode()
    return stdout.decode()


class Process:
    """One `python -m mumble ...` child; `start` waits until it answers `ready_url` (or logs
    `ready_line`), `kill` is a SIGKILL, `stop` a SIGTERM with a deadline."""

    def __init__(
        self,
        name: str,
        args: list[str],
        env: dict[str, str],
        log_dir: Path,
        *,
        ready_url: str = "",
        ready_line: bytes = b"",
    ) -> None:
        self.name = name
        self.args = args
        self.env = env
        self.log = log_dir / f"{name}.log"
        self.ready_url = ready_url
        self.ready_line = ready_line
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def start(self) -> None:
        self.starts += 1
        with self.log.open("ab") as output:
            output.write(f"--- start {self.starts}\n".encode())
            output.flush()
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "mumble", *self.args, cwd=ROOT, env=self.env,
                stdout=output, stderr=output,
            )  # fmt: skip
        await self._until_ready()

    async def _until_ready(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        async with httpx.AsyncClient(timeout=2) as probe:
            while True:
                assert self.process is not None
                if self.process.returncode is not None:
                    raise AssertionError(f"{self.name} exited:\n{self.tail()}")
                if await self._ready(probe):
                    return
                if time.monotonic() > deadline:
                    raise AssertionError(f"{self.name} did not start:\n{self.tail()}")
                await asyncio.sleep(0.1)

    async def _ready(self, probe: httpx.AsyncClient) -> bool:
        if self.ready_line:
            return self.ready_line in self.log.read_bytes().rsplit(b"--- start", 1)[-1]
        try:
            # Any HTTP answer will do: uvicorn answers only once the lifespan has started.
            await probe.get(self.ready_url)
        except httpx.TransportError:
            return False
        return True

    async def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when a container is killed."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        assert await self.process.wait() == -signal.SIGKILL

    async def stop(self) -> None:
        """SIGTERM, then SIGKILL past the deadline; no-op when not running."""
        if self.process is None or self.process.returncode is not None:
            return
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), STOP_SECONDS)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()

    def tail(self, lines: int = 40) -> str:
        """The end of this process's log, for failure messages."""
        if not self.log.exists():
            return "(no log)"
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@contextlib.asynccontextmanager
async def running(*processes: Process) -> AsyncIterator[tuple[Process, ...]]:
    """Start the processes together; always stop every one of them on the way out."""
    try:
        # Let every start finish (or fail) before stopping, so no child is left half started.
        results = await asyncio.gather(*(p.start() for p in processes), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        yield processes
    finally:
        await asyncio.gather(*(p.stop() for p in processes), return_exceptions=True)
