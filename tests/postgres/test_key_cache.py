"""The key cache on PostgreSQL: keys are read once, and every change anywhere clears them.

`mumble.db.listener` holds a LISTEN connection per app; a change to keys, roles or an account's
block flag commits with a NOTIFY that clears every app's cache. A change written behind the
application's back (raw SQL, no notice) shows what the cache holds and how long: until
`auth_cache_seconds` at most.
"""

from __future__ import annotations

import asyncio

import asyncpg
import httpx
from tortoise import connections

from mumble.accounts import roles
from mumble.settings import Settings
from tests.clock import FrozenClock
from tests.conftest import Tenant
from tests.test_cli import _ok

LABELS = "/mumbleapi/get-labels"


async def _status(client: httpx.AsyncClient, key: str) -> int:
    response = await client.get(LABELS, headers={"Mumble-Api-Key": key})
    return response.status_code


async def _revoke_behind_the_apps_back(key_id: str) -> None:
    await connections.get("default").execute_query(
        "UPDATE api_key SET status = 'revoked' WHERE id = $1", [key_id]
    )


async def _eventually(client: httpx.AsyncClient, key: str, status: int) -> int:
    """The status once it is `status`, or the last seen after one second."""
    seen = 0
    for _ in range(50):
        seen = await _status(client, key)
        if seen == status:
            break
        await asyncio.sleep(0.02)
    return seen


async def test_a_key_is_read_once_and_held_at_most_the_cache_period(
    client: httpx.AsyncClient, tenant: Tenant, clock: FrozenClock, settings: Settings
) -> None:
    assert await _status(client, tenant.key) == 200
    await _revoke_behind_the_apps_back(tenant.key_id)
    # No notice was sent: the cached row still answers, within the documented bound.
    assert await _status(client, tenant.key) == 200
    clock.advance(seconds=settings.auth_cache_seconds)
    assert await _status(client, tenant.key) == 401


async def test_a_key_revoked_by_another_process_is_refused_at_once(
    client: httpx.AsyncClient, database_url: str
) -> None:
    account_id = (await _ok(database_url, "account", "create", "Cachy", "--json"))["id"]
    key = await _ok(database_url, "key", "create", "--account", account_id, "--json")
    assert await _status(client, key["key"]) == 200
    assert await _status(client, key["key"]) == 200
    await _ok(database_url, "key", "revoke", key["id"], "--json")
    assert await _eventually(client, key["key"], 401) == 401


async def test_a_role_change_reaches_cached_keys(
    client: httpx.AsyncClient, tenant: Tenant, database_url: str
) -> None:
    role = await roles.create_role(tenant.account.id, "readers", ["labels:read"])
    made = await _ok(
        database_url, "key", "create", "--account", str(tenant.account.id), "--role",
        role.name, "--json",
    )  # fmt: skip
    assert await _status(client, made["key"]) == 200
    await roles.update_role(tenant.account.id, "readers", allow=[], deny=["labels:read"])
    assert await _eventually(client, made["key"], 401) == 401
    refused = await client.get(LABELS, headers={"Mumble-Api-Key": made["key"]})
    assert refused.json() == {"error": True, "message": "User not authorized to read labels."}


async def test_without_its_listener_connection_the_cache_stops_until_it_reconnects(
    client: httpx.AsyncClient, tenant: Tenant, database_url: str
) -> None:
    assert await _status(client, tenant.key) == 200
    admin = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    try:
        killed = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND query LIKE 'LISTEN%'"
        )
        assert killed >= 1
    finally:
        await admin.close()
    await asyncio.sleep(0.1)
    # Not listening: nothing cached, so a change behind the app's back is seen at once.
    await _revoke_behind_the_apps_back(tenant.key_id)
    assert await _status(client, tenant.key) == 401
