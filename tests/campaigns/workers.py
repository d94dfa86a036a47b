"""`mumble worker` children against the test's database and sandbox (the API process of the
test runs no campaign runner, so the children are the only senders)."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

from mumble.settings import Settings
from tests.scaleout.stack import Process, mumble_env

# A claim (and a send still `accepted`) of a killed worker is given up after this.
LEASE_SECONDS = 3


def api_settings(settings: Settings) -> Settings:
    """The test app's settings: no runner in the API process (`MUMBLE_RUN_WORKER=0`)."""
    return dataclasses.replace(settings, run_worker=False, send_lease_seconds=LEASE_SECONDS)


def worker(settings: Settings, log_dir: Path, name: str = "worker") -> Process:
    env = mumble_env(
        database_url=settings.database_url,
        whatsapp_api_url=settings.whatsapp_api_url,
        whatsapp_app_secret=settings.whatsapp_app_secret,
        whatsapp_verify_token=settings.whatsapp_verify_token,
        whatsapp_app_id=settings.whatsapp_app_id,
        send_lease_seconds=str(LEASE_SECONDS),
        allow_private_urls="true",
    )
    return Process(name, ["worker"], env, log_dir, ready_line=b"webhook worker running")


@contextlib.asynccontextmanager
async def started(process: Process) -> AsyncIterator[Process]:
    """The child running; stopped (killed past a deadline) on the way out."""
    try:
        await process.start()
        yield process
    finally:
        await process.stop()
