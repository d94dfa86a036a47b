"""import-customers finds a batch's existing phones by probing the (account, phone) unique index
once per phone, whatever the planner knows about the table.

The regression: `phone IN (…1,000 parameters)` was planned on the account's index with the list
as a filter, so each batch read every customer of the account (1-2 s per batch at 50,000
customers, the import's time growing with the square of its size). The table here has never been
analysed, as after a bulk load with autovacuum off or not yet run, which is when that plan was
chosen; the check runs with custom and with generic plans (asyncpg reuses prepared statements).
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from tortoise import connections
from tortoise.transactions import in_transaction

from mumble.customers.importing import LOCK_BY_PHONE
from tests.conftest import MakeTenant, Tenant

CUSTOMERS = 20_000
BASE = 14150000000


def _scans(plan: dict[str, Any]) -> list[dict[str, Any]]:
    children = [n for child in plan.get("Plans", []) for n in _scans(child)]
    return [plan, *children] if "Scan" in plan["Node Type"] else children


async def test_existing_phones_are_found_by_unique_index_probes(
    client: object, tenant: Tenant, make_tenant: MakeTenant
) -> None:
    other = await make_tenant("Other")
    db = connections.get("default")
    for account_id in (tenant.account.id, other.account.id):
        await db.execute_script(
            f"""INSERT INTO customer (id, account_id, phone, conversation_status, attribution,
                custom_fields, created_at, updated_at)
            SELECT gen_random_uuid(), '{account_id}', ({BASE} + g)::text, 'new', '{{}}'::jsonb,
                '{{}}'::jsonb, now(), now()
            FROM generate_series(1, {CUSTOMERS}) AS g"""
        )
    phones = [str(BASE + n) for n in range(5_001, 6_001)]
    for mode in ("auto", "force_generic_plan"):
        async with in_transaction() as conn:
            await conn.execute_script(f"SET LOCAL plan_cache_mode = {mode}")
            _, rows = await conn.execute_query(
                f"EXPLAIN (ANALYZE, FORMAT JSON) {LOCK_BY_PHONE}", [tenant.account.id, phones]
            )
        plan = rows[0]["QUERY PLAN"]
        top = (orjson.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
        customer_scans = [s for s in _scans(top) if s.get("Relation Name") == "customer"]
        assert customer_scans, (mode, top)
        for scan in customer_scans:
            assert scan["Node Type"] == "Index Scan", (mode, scan)
            assert scan["Index Name"].startswith("uid_customer_account"), (mode, scan)
            # One row per probe: nothing of the account's other customers is read.
            assert scan["Actual Rows"] == 1, (mode, scan)
            assert scan["Actual Loops"] == len(phones), (mode, scan)
            assert "Rows Removed by Filter" not in scan, (mode, scan)
    found = await db.execute_query_dict(LOCK_BY_PHONE, [tenant.account.id, phones])
    assert len(found) == len(phones)
    assert len({uuid.UUID(str(row["id"])) for row in found}) == len(phones)
