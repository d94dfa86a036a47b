"""Two processes migrating one database at once install the change triggers one after the
other: concurrent installs failed with "tuple concurrently updated" (seen in CI's bench run)."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from tortoise import connections

from mumble.db import triggers
from mumble.settings import Settings


async def test_concurrent_installs_of_the_triggers_all_succeed(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    # `client`: the app is up, so the database is open.
    if not settings.database_url.startswith(("postgres", "asyncpg")):
        pytest.skip("the triggers are PostgreSQL's")
    db = connections.get("default")
    await asyncio.gather(*(triggers.install(db) for _ in range(6)))
    assert await triggers.installed(db)
