"""Tortoise's asyncpg client, configured for a pool without session state.

The rule for every pooled connection: **no session state**. Nothing run through the pool may
leave anything behind on its connection: no `SET` (use `SET LOCAL` inside a transaction, or
`server_settings` at connect time, the same for every connection), no `LISTEN`, no advisory
locks (`pg_advisory_xact_lock` inside a transaction is fine), no cursors or prepared statements
by name outside asyncpg's own cache, no temporary tables. What needs a session of its own (the
`LISTEN` of `mumble.db.listener`) opens a dedicated connection outside the pool.

Given that rule, asyncpg's reset on every release (`SELECT pg_advisory_unlock_all(); CLOSE ALL;
UNLISTEN *; RESET ALL`, one round trip after every query outside a transaction and after every
transaction) has nothing to undo, so the pool's `reset` is a no-op; asyncpg still rolls back a
transaction left open and drops listener callbacks before calling it. tests/test_db_session.py
checks that the rule holds after the suite's kinds of work.

Transactions also run `mumble.db.commit` callbacks once they commit, and every statement is
shown to `mumble.db.writes` (savepoints included), so this process's read caches hear of its
own writes at once.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from tortoise.backends.asyncpg.client import AsyncpgDBClient, TransactionWrapper
from tortoise.backends.base.client import (
    NestedTransactionContext,
    TransactionContext,
    TransactionContextPooled,
)

from mumble.db import writes
from mumble.db.commit import AfterCommit

ENGINE = "mumble.db.postgres"


async def keep_session(connection: asyncpg.Connection) -> None:
    """The pool's reset: nothing to undo on a connection that holds no session state."""


class NotingWrites:
    """Mixed into our clients: every statement that ran is shown to `mumble.db.writes`."""

    async def execute_insert(self, query: str, values: list[Any]) -> Any:
        result = await super().execute_insert(query, values)  # type: ignore[misc]
        writes.noted(self, query)
        return result

    async def execute_many(self, query: str, values: list[Any]) -> None:
        await super().execute_many(query, values)  # type: ignore[misc]
        writes.noted(self, query)

    async def execute_query(
        self, query: str, values: list[Any] | None = None
    ) -> tuple[int, list[Any]]:
        result: tuple[int, list[Any]] = await super().execute_query(query, values)  # type: ignore[misc]
        writes.noted(self, query)
        return result

    async def execute_query_dict(
        self, query: str, values: list[Any] | None = None
    ) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await super().execute_query_dict(query, values)  # type: ignore[misc]
        writes.noted(self, query)
        return result

    async def execute_script(self, query: str) -> None:
        await super().execute_script(query)  # type: ignore[misc]
        writes.noted(self, query)


class SavepointWrapper(NotingWrites, TransactionWrapper):
    """A savepoint inside one of our transactions: plain, but its statements are noted too."""

    def _in_transaction(self) -> TransactionContext:
        return NestedTransactionContext(SavepointWrapper(self))


class CommittingTransactionWrapper(AfterCommit, NotingWrites, TransactionWrapper):
    """A top-level transaction that runs its after-commit callbacks (savepoints stay plain)."""

    def _in_transaction(self) -> TransactionContext:
        return NestedTransactionContext(SavepointWrapper(self))

    async def commit(self) -> None:
        await super().commit()
        self.committed()

    async def rollback(self) -> None:
        try:
            await super().rollback()
        finally:
            self.rolled_back()


class PooledClient(NotingWrites, AsyncpgDBClient):
    """AsyncpgDBClient whose transactions run after-commit callbacks."""

    def _in_transaction(self) -> TransactionContext:
        return TransactionContextPooled(CommittingTransactionWrapper(self), self._pool_init_lock)


def credentials(expanded: dict[str, Any]) -> dict[str, Any]:
    """Tortoise's expanded URL with our engine and the no-op reset (forwarded to create_pool)."""
    return expanded | {
        "engine": ENGINE,
        "credentials": {**expanded["credentials"], "reset": keep_session},
    }


def get_client_class(db_info: dict[str, Any]) -> type[AsyncpgDBClient]:
    """Tortoise's engine hook: the client class for a connection of this engine."""
    return PooledClient


client_class = PooledClient
