"""SQLite transactions take the write lock up front, so processes sharing a file queue."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from mumble.db import open_database
from mumble.db.sqlite import ImmediateSqliteClient


async def test_a_transaction_holds_the_write_lock_from_its_first_read(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    async with open_database(f"sqlite://{path}"):
        assert isinstance(connections.get("default"), ImmediateSqliteClient)
        await connections.get("default").execute_script("CREATE TABLE t (n INTEGER)")
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            async with in_transaction() as conn:
                # Only a read so far, yet another process can no longer start writing: with a
                # deferred BEGIN this transaction's later write would fail instead.
                await conn.execute_query("SELECT count(*) FROM t")
                with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                    other.execute("BEGIN IMMEDIATE")
                await conn.execute_query("INSERT INTO t (n) VALUES (1)")
            # Committed: the other connection writes now.
            other.execute("BEGIN IMMEDIATE")
            other.execute("INSERT INTO t (n) VALUES (2)")
            other.execute("COMMIT")
        finally:
            other.close()
        _, rows = await connections.get("default").execute_query("SELECT n FROM t ORDER BY n")
        assert [row[0] for row in rows] == [1, 2]
