"""MUMBLE_MIGRATE_ON_START=false: an API replica leaves the schema to the one `mumble migrate`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from mumble.settings import Settings
from tests.scaleout.stack import Process, free_port, mumble_env, run_cli


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def test_migrate_on_start_is_on_unless_turned_off() -> None:
    assert Settings.from_env({}).migrate_on_start is True
    assert Settings.from_env({"MUMBLE_MIGRATE_ON_START": "false"}).migrate_on_start is False
    assert Settings.from_env({"MUMBLE_MIGRATE_ON_START": "0"}).migrate_on_start is False


async def test_serve_with_migrate_on_start_off_leaves_the_schema_to_mumble_migrate(
    tmp_path: Path,
) -> None:
    path = tmp_path / "replica.sqlite3"
    port = free_port()
    env = mumble_env(
        database_url=f"sqlite://{path}",
        migrate_on_start="false",
        # A Graph URL of our own: no sandbox beside the replica.
        whatsapp_api_url="http://127.0.0.1:9",
        template_sync_seconds="0",
        run_worker="false",
    )
    replica = Process(
        "replica",
        ["serve", "--port", str(port)],
        env,
        tmp_path,
        ready_url=f"http://127.0.0.1:{port}/healthz",
    )
    try:
        await replica.start()
        # Serving, yet no migration ran and no demo account was made.
        assert "tortoise_migrations" not in _tables(path)
    finally:
        await replica.stop()
    log = replica.log.read_text()
    assert "MUMBLE_MIGRATE_ON_START is off: no migrations, no demo account" in log
    assert "demo account and API key" not in log

    assert "migrations applied" in await run_cli(env, "migrate")
    assert {"tortoise_migrations", "account", "message", "event"} <= _tables(path)
    # Applying again is a no-op: the one-shot service may run on every deploy.
    assert "migrations applied" in await run_cli(env, "migrate")
