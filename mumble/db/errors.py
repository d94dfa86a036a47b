"""A database connection that went away: how it is recognised, retried for reads, answered.

PostgreSQL backends die: a failover, a restart, an administrator's `pg_terminate_backend`.
asyncpg then raises on the next use of each pooled connection it had (the pool replaces dead
connections on the next acquire), and Tortoise passes those errors through untranslated. A
read may be run again once on a fresh connection (`retrying_read`); anything else that meets a
lost connection is answered 503 in the envelope with `Retry-After` (the client retries; an
Idempotency-Key makes a retried send safe), never 500. SQLite has no connection to lose.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg
from starlette.requests import Request
from starlette.responses import Response
from tortoise.exceptions import DBConnectionError, OperationalError, TransactionManagementError

from mumble.errors import error_response

log = logging.getLogger("mumble.db")

T = TypeVar("T")
UNAVAILABLE = "Database unavailable, retry shortly"
# Long enough for the event loop to see the dead pool connections' closed sockets.
_RETRY_PAUSE_SECONDS = 0.05
_LOST: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
    # The protocol's state broken by a backend that died mid-operation.
    asyncpg.exceptions.InternalClientError,
    DBConnectionError,
    ConnectionError,
)


def connection_lost(exc: BaseException) -> bool:
    """Whether `exc` (or what it was raised from) means the database connection is gone."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, _LOST):
            return True
        if isinstance(seen, asyncpg.InterfaceError) and "closed" in str(seen):
            return True
        seen = seen.__cause__
    return False


async def retrying_read(read: Callable[[], Awaitable[T]]) -> T:
    """Run `read`; when it met a lost connection, run it once more on a fresh one."""
    try:
        return await read()
    except Exception as exc:
        if not connection_lost(exc):
            raise
        log.warning("database connection lost during a read, retrying once")
    await asyncio.sleep(_RETRY_PAUSE_SECONDS)
    return await read()


async def _unavailable(request: Request, exc: Exception) -> Response:
    if not connection_lost(exc):
        raise exc  # a real failure: the 500 handler logs it
    request_id = request.scope.get("state", {}).get("request_id", "-")
    log.warning(
        "database connection lost, answered 503",
        extra={"request_id": request_id, "path": request.url.path, "error": type(exc).__name__},
    )
    return error_response(503, UNAVAILABLE, headers={"Retry-After": "1"})


# Starlette picks a handler by the exception's class; each checks the cause before answering.
EXCEPTION_HANDLERS = {
    kind: _unavailable
    for kind in (
        *_LOST,
        asyncpg.InterfaceError,
        asyncpg.exceptions.OperatorInterventionError,
        OperationalError,
        TransactionManagementError,
    )
}
