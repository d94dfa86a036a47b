"""Tortoise's SQLite client with `BEGIN IMMEDIATE` transactions, for processes sharing a file.

Tortoise opens transactions with a plain (deferred) `BEGIN`. In WAL mode a deferred transaction
that has read and then writes fails at once with "database is locked" (SQLITE_BUSY_SNAPSHOT)
when another process wrote meanwhile: the busy timeout cannot help it. Several `mumble serve`
processes and `mumble worker` on one SQLite file hit that on every concurrent read-then-write.
`BEGIN IMMEDIATE` takes the write lock up front, waiting out the busy timeout for it, so
transactions of different processes queue instead of failing. Within one process Tortoise
already runs one transaction at a time, so nothing is lost there.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from tortoise.backends.base.client import TransactionContext
from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.exceptions import TransactionManagementError

from mumble.db.commit import AfterCommit

ENGINE = "mumble.db.sqlite"


class ImmediateTransactionWrapper(AfterCommit, SqliteTransactionWrapper):
    """A transaction that holds the database's write lock from its first statement, and runs
    its `mumble.db.commit` callbacks once committed."""

    async def begin(self) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc

    async def commit(self) -> None:
        await super().commit()
        self.committed()

    async def rollback(self) -> None:
        try:
            await super().rollback()
        finally:
            self.rolled_back()


class ImmediateSqliteClient(SqliteClient):
    """SqliteClient whose `in_transaction()` begins IMMEDIATE (nested ones stay savepoints)."""

    def _in_transaction(self) -> TransactionContext:
        return SqliteTransactionContext(ImmediateTransactionWrapper(self), self._lock)


def get_client_class(db_info: dict[str, Any]) -> type[SqliteClient]:
    """Tortoise's engine hook: the client class for a connection of this engine."""
    return ImmediateSqliteClient


client_class = ImmediateSqliteClient
