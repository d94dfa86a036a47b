"""get-customer's read cache: every change anywhere is seen, within the documented bound.

On PostgreSQL the API process keeps views (mumble.db.readcache), dropped by the triggers'
notices (any writer, any process) and by the process's own writes at once; on SQLite nothing is
cached. Each test below runs on both and asserts what a client sees; the PostgreSQL-only tests
show that the cache is really used (a write that bypasses the triggers stays unseen until the
cache period ends) and that a write on another connection is seen within a notice's delivery.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from mumble.settings import Settings
from tests.clock import FrozenClock
from tests.conftest import SandboxHandle, Tenant
from tests.database import is_postgres
from tests.messages.support import PHONE, customer_writes
from tests.scaleout.stack import Process, free_port, mumble_env, running

# Within this a change through another process or connection must show (the bound is a
# notice's delivery, milliseconds; the rest is room for a loaded machine).
SEEN_WITHIN_SECONDS = 2.0


async def _post(client: httpx.AsyncClient, tenant: Tenant, path: str, **body: Any) -> Any:
    response = await client.post(f"/mumbleapi/{path}", json=body, headers=tenant.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def _customer(client: httpx.AsyncClient, tenant: Tenant, phone: str = PHONE) -> Any:
    response = await client.get(
        "/mumbleapi/get-customer", params={"customer_phone": phone}, headers=tenant.headers
    )
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    return response.json()["customer"]


async def _eventually(read: Callable[[], Awaitable[Any]], expected: Callable[[Any], bool]) -> Any:
    """What `read` gives once `expected` holds, or the last value after the bound."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SEEN_WITHIN_SECONDS
    while True:
        seen = await read()
        if expected(seen) or loop.time() > deadline:
            return seen
        await asyncio.sleep(0.02)


def _pg_dsn(database_url: str) -> str:
    return "postgresql://" + database_url.split("://", 1)[1]


async def test_every_kind_of_write_is_seen_by_the_next_get_customer(
    client: httpx.AsyncClient, tenant: Tenant, sandbox: SandboxHandle, clock: FrozenClock
) -> None:
    await _post(client, tenant, "add-new-customer", customer_phone=PHONE, name="Dana")
    assert (await _customer(client, tenant))["name"] == "Dana"
    await _post(client, tenant, "edit-customer", customer_phone=PHONE, name="Dana Levi")
    assert (await _customer(client, tenant))["name"] == "Dana Levi"

    await _post(client, tenant, "add-new-label", label_name="VIP")
    await _post(client, tenant, "add-customer-to-label", customer_phone=PHONE, label_name="VIP")
    assert (await _customer(client, tenant))["labels"] == ["VIP"]
    removed = await client.request(
        "DELETE", "/mumbleapi/remove-customer-from-label",
        json={"customer_phone": PHONE, "label_name": "VIP"}, headers=tenant.headers,
    )  # fmt: skip
    assert removed.status_code == 200, removed.text
    assert (await _customer(client, tenant))["labels"] == []
    await _post(client, tenant, "add-customer-to-label", customer_phone=PHONE, label_name="VIP")
    assert (await _customer(client, tenant))["labels"] == ["VIP"]
    deleted = await client.request(
        "DELETE", "/mumbleapi/delete-label", json={"label_name": "VIP"}, headers=tenant.headers
    )
    assert deleted.status_code == 200
    assert (await _customer(client, tenant))["labels"] == []

    agent = (await _post(client, tenant, "add-agent", name="Omer"))["agent"]
    await _post(
        client, tenant, "assign-customer-to-agent", customer_phone=PHONE, agent_id=agent["id"]
    )
    assert (await _customer(client, tenant))["agent"] == {"id": agent["id"], "name": "Omer"}
    await _post(client, tenant, "edit-agent", agent_id=agent["id"], name="Omer K")
    assert (await _customer(client, tenant))["agent"]["name"] == "Omer K"

    team = (await _post(client, tenant, "add-team", name="Support"))["team"]
    await _post(client, tenant, "assign-customer-to-team", customer_phone=PHONE, team_id=team["id"])
    assert (await _customer(client, tenant))["team"] == {"id": team["id"], "name": "Support"}
    await _post(client, tenant, "unassign-customer", customer_phone=PHONE, **{"from": "all"})
    seen = await _customer(client, tenant)
    assert (seen["agent"], seen["team"]) == (None, None)

    bot = (await _post(client, tenant, "add-bot", name="Greeter"))["bot"]
    await _post(client, tenant, "assign-bot", customer_phone=PHONE, bot_token=bot["id"])
    assert (await _customer(client, tenant))["bot"] == {
        "type": "flow", "id": bot["id"], "name": "Greeter"
    }  # fmt: skip

    await _post(client, tenant, "set-consent", customer_phone=PHONE, marketing="opted_in")
    assert (await _customer(client, tenant))["consent"]["marketing"] == "opted_in"
    await _post(client, tenant, "edit-customer-conv-status", customer_phone=PHONE, status="open")
    assert (await _customer(client, tenant))["conversation_status"] == "open"

    before = (await _customer(client, tenant))["last_interaction"]
    clock.advance(minutes=5)
    await customer_writes(sandbox, tenant, text="hello again")
    after = (await _customer(client, tenant))["last_interaction"]
    assert after is not None
    assert after != before

    gone = await client.request(
        "DELETE", "/mumbleapi/delete-customer", params={"customer_phone": PHONE},
        headers=tenant.headers,
    )  # fmt: skip
    assert gone.status_code == 200
    response = await client.get(
        "/mumbleapi/get-customer", params={"customer_phone": PHONE}, headers=tenant.headers
    )
    assert response.status_code == 404
    assert response.json() == {"error": True, "message": "Customer not found"}


async def test_tenants_never_see_each_others_cached_customer(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    await _post(client, tenant, "add-new-customer", customer_phone=PHONE, name="Acme's Dana")
    await _post(client, other_tenant, "add-new-customer", customer_phone=PHONE, name="Other's")
    for _ in range(3):
        assert (await _customer(client, tenant))["name"] == "Acme's Dana"
        assert (await _customer(client, other_tenant))["name"] == "Other's"
    await _post(client, tenant, "edit-customer", customer_phone=PHONE, name="Renamed")
    assert (await _customer(client, tenant))["name"] == "Renamed"
    assert (await _customer(client, other_tenant))["name"] == "Other's"


async def test_a_write_through_another_mumble_process_is_seen_within_the_bound(
    client: httpx.AsyncClient,
    tenant: Tenant,
    sandbox: SandboxHandle,
    settings: Settings,
    tmp_path: Path,
) -> None:
    await _post(client, tenant, "add-new-customer", customer_phone=PHONE, name="Dana")
    await _post(client, tenant, "add-new-label", label_name="VIP")
    assert (await _customer(client, tenant))["name"] == "Dana"
    port = free_port()
    env = mumble_env(
        database_url=settings.database_url,
        rate_limit_storage=os.environ.get("MUMBLE_TEST_RATE_LIMIT_STORAGE", "memory://"),
        rate_limit_key_prefix=f"mumble-test-{uuid.uuid4().hex}",
        whatsapp_api_url=sandbox.url,
        allow_private_urls="true",
        template_sync_seconds="0",
        run_worker="false",
        migrate_on_start="false",
        log_level="warning",
    )
    other = Process(
        "other-api", ["serve", "--port", str(port)], env, tmp_path,
        ready_url=f"http://127.0.0.1:{port}/healthz",
    )  # fmt: skip
    async with (
        running(other),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as elsewhere,
    ):
        await _post(elsewhere, tenant, "edit-customer", customer_phone=PHONE, name="Elsewhere")
        seen = await _eventually(lambda: _customer(client, tenant), lambda c: c["name"] != "Dana")
        assert seen["name"] == "Elsewhere"
        await _post(
            elsewhere, tenant, "add-customer-to-label", customer_phone=PHONE, label_name="VIP"
        )
        seen = await _eventually(lambda: _customer(client, tenant), lambda c: c["labels"])
        assert seen["labels"] == ["VIP"]
        gone = await elsewhere.request(
            "DELETE", "/mumbleapi/delete-customer", params={"customer_phone": PHONE},
            headers=tenant.headers,
        )  # fmt: skip
        assert gone.status_code == 200
        assert await _eventually(lambda: _customer(client, tenant), lambda c: c is None) is None


@pytest.fixture
def postgres_only(database_url: str) -> str:
    if not is_postgres(database_url):
        pytest.skip("the cache is off on SQLite: nothing is held to show")
    return _pg_dsn(database_url)


async def test_a_view_is_held_at_most_the_cache_period_when_no_notice_comes(
    client: httpx.AsyncClient,
    tenant: Tenant,
    clock: FrozenClock,
    settings: Settings,
    postgres_only: str,
) -> None:
    await _post(client, tenant, "add-new-customer", customer_phone=PHONE, name="Dana")
    assert (await _customer(client, tenant))["name"] == "Dana"
    connection = await asyncpg.connect(postgres_only)
    try:
        # Replica mode fires no trigger: a write no notice announces (as if one were lost).
        async with connection.transaction():
            await connection.execute("SET LOCAL session_replication_role = replica")
            await connection.execute(
                "UPDATE customer SET name = 'Unannounced' WHERE account_id = $1",
                tenant.account.id,
            )
    finally:
        await connection.close()
    assert (await _customer(client, tenant))["name"] == "Dana"
    clock.advance(seconds=settings.customer_cache_seconds)
    assert (await _customer(client, tenant))["name"] == "Unannounced"


STATEMENTS_ON_ANOTHER_CONNECTION = {
    "customer": ("UPDATE customer SET name = 'Raw' WHERE account_id = $1", "name", "Raw"),
    "label renamed": (
        "UPDATE label SET name = 'Gold' WHERE account_id = $1", "labels", ["Gold"]
    ),
    "agent renamed": (
        "UPDATE agent SET name = 'Renamed' WHERE account_id = $1", "agent", "Renamed"
    ),
    "label removed": (
        "DELETE FROM customer_label WHERE customer_id IN"
        " (SELECT id FROM customer WHERE account_id = $1)",
        "labels",
        [],
    ),
}  # fmt: skip


@pytest.mark.parametrize("change", list(STATEMENTS_ON_ANOTHER_CONNECTION))
async def test_a_write_on_another_connection_is_heard_from_the_triggers(
    client: httpx.AsyncClient, tenant: Tenant, postgres_only: str, change: str
) -> None:
    await _post(client, tenant, "add-new-customer", customer_phone=PHONE, name="Dana")
    await _post(client, tenant, "add-new-label", label_name="VIP")
    await _post(client, tenant, "add-customer-to-label", customer_phone=PHONE, label_name="VIP")
    agent = (await _post(client, tenant, "add-agent", name="Omer"))["agent"]
    await _post(
        client, tenant, "assign-customer-to-agent", customer_phone=PHONE, agent_id=agent["id"]
    )
    before = await _customer(client, tenant)
    assert before["labels"] == ["VIP"]
    assert await _customer(client, tenant) == before
    statement, field, expected = STATEMENTS_ON_ANOTHER_CONNECTION[change]
    connection = await asyncpg.connect(postgres_only)
    try:
        await connection.execute(statement, tenant.account.id)
    finally:
        await connection.close()

    def shown(customer: Any) -> Any:
        value = customer[field]
        return value["name"] if field == "agent" else value

    seen = await _eventually(lambda: _customer(client, tenant), lambda c: shown(c) == expected)
    assert shown(seen) == expected


async def test_without_its_listener_connection_nothing_is_cached(
    client: httpx.AsyncClient, tenant: Tenant, postgres_only: str
) -> None:
    await _post(client, tenant, "add-new-customer", customer_phone=PHONE, name="Dana")
    assert (await _customer(client, tenant))["name"] == "Dana"
    admin = await asyncpg.connect(postgres_only)
    try:
        killed = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND query LIKE 'LISTEN%'"
        )
        assert killed >= 1
        await asyncio.sleep(0.1)
        async with admin.transaction():
            await admin.execute("SET LOCAL session_replication_role = replica")
            await admin.execute(
                "UPDATE customer SET name = 'Unannounced' WHERE account_id = $1",
                tenant.account.id,
            )
    finally:
        await admin.close()
    # Not listening: nothing is served from the cache, so even an unannounced write shows.
    assert (await _customer(client, tenant))["name"] == "Unannounced"
