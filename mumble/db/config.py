"""Tortoise configuration, schema migrations, and opening/closing the database."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from tortoise import Tortoise, connections
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.migrations.api import migrate as _migrate_api

from mumble.db import postgres, sqlite, triggers

MODELS_MODULE = "mumble.models"
MIGRATIONS_MODULE = "mumble.migrations"


def tortoise_config(database_url: str) -> dict[str, Any]:
    """The Tortoise config dict for a database URL (sqlite://path or postgres://...)."""
    connection: str | dict[str, Any] = database_url
    if sqlite_path(database_url) is not None:
        # Same client, but transactions take the write lock up front (see mumble.db.sqlite).
        connection = expand_db_url(database_url) | {"engine": sqlite.ENGINE}
    elif is_postgres(database_url):
        # The pool holds no session state, so its per-release reset is off (mumble.db.postgres).
        connection = postgres.credentials(expand_db_url(database_url))
    return {
        "connections": {"default": connection},
        "apps": {
            "models": {
                "models": [MODELS_MODULE],
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def is_postgres(database_url: str) -> bool:
    """True for the URLs that select PostgreSQL through asyncpg."""
    return database_url.startswith(("postgres://", "postgresql://", "asyncpg://"))


def sqlite_path(database_url: str) -> str | None:
    """The file of a `sqlite://` URL (`:memory:` included); None for any other database."""
    if not database_url.startswith("sqlite://"):
        return None
    return database_url.removeprefix("sqlite://").split("?", 1)[0]


def sqlite_file(database_url: str) -> Path | None:
    """The on-disk file of a SQLite database; None in memory or on another database."""
    path = sqlite_path(database_url)
    return Path(path) if path and path != ":memory:" else None


def _ensure_sqlite_dir(database_url: str) -> None:
    """An SQLite file URL needs its folder; create ./var/ on first run."""
    path = sqlite_file(database_url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


async def migrate(database_url: str) -> None:
    """Apply every pending schema migration, then (PostgreSQL) the change triggers."""
    _ensure_sqlite_dir(database_url)
    config = tortoise_config(database_url)
    await Tortoise.init(config=config, init_connections=False)
    try:
        await _migrate_api(config=config, app_labels=None, target=None)
        if is_postgres(database_url):
            # Outside the migration files, which are regenerated (see mumble.db.triggers).
            await triggers.install(connections.get("default"))
    finally:
        await Tortoise.close_connections()


@contextlib.asynccontextmanager
async def open_database(database_url: str) -> AsyncIterator[None]:
    """Open the ORM for this process (visible to every task) and always close it."""
    _ensure_sqlite_dir(database_url)
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)
    try:
        yield
    finally:
        await Tortoise.close_connections()
