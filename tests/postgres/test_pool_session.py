"""The rule of mumble.db.postgres holds: after real work, no pooled connection keeps session
state (the pool's per-release reset is off, so anything left behind would leak to the next
request on that connection)."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import httpx
from tortoise import connections

from tests.api import ok, post
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import customer_writes, send_text

_STATE = {
    "listening": "SELECT count(*) FROM pg_listening_channels()",
    "advisory locks": "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
    " AND pid = pg_backend_pid()",
    # The unnamed portal is this very query.
    "cursors": "SELECT count(*) FROM pg_cursors WHERE name <> ''",
    # A setting SET to another value than RESET would give. asyncpg's type introspection (a
    # statement with an array of a type it has not seen) turns jit off and back with
    # set_config(..., false), leaving jit at its own value with source 'session': no state.
    "session settings": "SELECT count(*) FROM pg_settings WHERE source = 'session'"
    " AND setting IS DISTINCT FROM reset_val",
    "temporary tables": "SELECT count(*) FROM pg_class WHERE relnamespace = pg_my_temp_schema()",
    "named statements": "SELECT count(*) FROM pg_prepared_statements"
    " WHERE name NOT LIKE '\\_\\_asyncpg\\_%'",
    "open transaction": "SELECT count(*) FROM pg_stat_activity WHERE pid = pg_backend_pid()"
    " AND backend_xid IS NOT NULL",
}


async def _state_of(connection: asyncpg.Connection) -> dict[str, Any]:
    return {name: await connection.fetchval(query) for name, query in _STATE.items()}


async def test_pooled_connections_hold_no_session_state_after_work(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    pool = connections.get("default")._pool
    assert pool._reset is not None, "the pool must use mumble.db.postgres's reset"
    events = ["message.received", "message.sent", "message.delivered", "customer.created"]
    ok(await post(client, tenant, "add-webhook", url="http://127.0.0.1:9/hook", events=events))
    await customer_writes(sandbox, tenant, text="hi")
    # Concurrent sends, their status webhooks and the worker's claims spread over connections.
    sends = [send_text(client, tenant, f"Hello {n}") for n in range(5)]
    assert {r.status_code for r in await asyncio.gather(*sends)} == {200}
    await sandbox.flush()
    reads = [client.get("/mumbleapi/get-labels", headers=tenant.headers) for _ in range(8)]
    await asyncio.gather(*reads)
    size = pool.get_size()
    assert size >= 2
    held = [await pool.acquire() for _ in range(size)]
    try:
        states = [await _state_of(connection) for connection in held]
    finally:
        for connection in held:
            await pool.release(connection)
    clean = dict.fromkeys(_STATE, 0)
    assert states == [clean] * size
