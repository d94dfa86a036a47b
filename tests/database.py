"""Test databases: one migrated template per session, a pristine copy per test.

SQLite by default; PostgreSQL when MUMBLE_TEST_DATABASE_URL names a server (its database part
is ignored: a fresh database is created per session and dropped at the end).
"""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from tortoise import Tortoise, connections

from mumble.db import migrate

MIGRATION_TABLE = "tortoise_migrations"


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://", "asyncpg://"))


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


def _asyncpg_dsn(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, "/" + name, "", ""))


class TestDatabases:
    """Creates the session's template and hands each test a clean database URL."""

    def __init__(self, server_url: str | None, workdir: Path) -> None:
        self.server_url = server_url
        self.workdir = workdir
        self.pg_name = f"mumble_test_{uuid.uuid4().hex[:12]}"
        self.template_url = ""

    def setup(self) -> None:
        if self.server_url and is_postgres(self.server_url):
            asyncio.run(self._create_pg())
            self.template_url = _with_database(self.server_url, self.pg_name)
        else:
            self.template_url = f"sqlite://{self.workdir / 'template.sqlite3'}"
        try:
            asyncio.run(migrate(self.template_url))
        except BaseException:
            self.teardown()
            raise

    def teardown(self) -> None:
        if self.server_url and is_postgres(self.server_url):
            asyncio.run(self._drop_pg())

    async def _admin(self) -> asyncpg.Connection:
        assert self.server_url
        return await asyncpg.connect(_asyncpg_dsn(self.server_url, "postgres"))

    async def _create_pg(self) -> None:
        conn = await self._admin()
        try:
            await conn.execute(f'CREATE DATABASE "{self.pg_name}"')
        finally:
            await conn.close()

    async def _drop_pg(self) -> None:
        conn = await self._admin()
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
        finally:
            await conn.close()

    @property
    def postgres(self) -> bool:
        return is_postgres(self.template_url)

    def fresh(self, tmp_path: Path) -> str:
        """A URL for a clean database: a copy of the SQLite template, or the PG database."""
        if self.postgres:
            return self.template_url
        target = tmp_path / "mumble.sqlite3"
        shutil.copyfile(self.workdir / "template.sqlite3", target)
        return f"sqlite://{target}"


async def truncate_all() -> None:
    """Empty every model table of the open ORM (PostgreSQL per-test isolation)."""
    tables = [
        model._meta.db_table
        for app in Tortoise.apps.values()
        for model in app.values()
        if model._meta.db_table != MIGRATION_TABLE
    ]
    names = ", ".join(f'"{table}"' for table in tables)
    await connections.get("default").execute_script(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


def column(rows: Sequence[Any]) -> list[Any]:
    """The values of a `values_list(..., flat=True)` query (Tortoise types them as tuples)."""
    return list(rows)
