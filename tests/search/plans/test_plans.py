"""search-customers answers from indexes: EXPLAIN over a generated table shows no sequential scan
for the label, status, agent and updated-since filters, on a first page and after a cursor.

The tables are generated in PostgreSQL: 400,000 customers (300,000 in the searched account, the
rest in another), ten labels of about a tenth of the account each (300,000 memberships), with
statistics gathered by ANALYZE. That is big enough for the planner to price a sequential scan
above an index wherever an index can answer.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import orjson
from tortoise import connections

from mumble.customers.views import VIEW_COLUMNS
from mumble.labels.service import create_label
from mumble.search.filters import Filters, Position
from mumble.search.service import PAGE_MAX, matching
from mumble.team.service import create_agent
from tests.conftest import MakeTenant, Tenant

CUSTOMERS = 300_000
OTHERS = 100_000
LABELS = 10
AGENTS = 50
_STATUSES = "ARRAY['new','open','closed','waiting','solved','in_progress','spam','escalated']"


async def _generate(
    account: uuid.UUID, other: uuid.UUID, agents: list[uuid.UUID], labels: list[uuid.UUID]
) -> None:
    agent_array = "ARRAY[" + ",".join(f"'{a}'::uuid" for a in agents) + "]"
    label_array = "ARRAY[" + ",".join(f"'{label}'::uuid" for label in labels) + "]"
    statements = [
        f"""
        INSERT INTO customer (id, account_id, phone, name, email, conversation_status,
            agent_id, attribution, custom_fields, created_at, updated_at, last_interaction)
        SELECT gen_random_uuid(), '{account_id}', ({base} + g)::text, 'Customer ' || g,
            'c' || g || '@example.com', ({_STATUSES})[1 + g % 8],
            {f"({agent_array})[1 + g % {AGENTS}]" if account_id == account else "NULL"},
            '{{}}'::jsonb, '{{}}'::jsonb, now() - ({count} - g) * interval '1 minute',
            now() - (g % 50000) * interval '1 minute', now() - g * interval '1 second'
        FROM generate_series(1, {count}) AS g"""
        for account_id, count, base in (
            (account, CUSTOMERS, 14150000000),
            (other, OTHERS, 14160000000),
        )
    ]
    statements.append(
        f"""
        INSERT INTO customer_label (customer_id, label_id, created_at)
        SELECT id, ({label_array})[1 + abs(hashtext(phone)) % {LABELS}], now()
        FROM customer WHERE account_id = '{account}'"""
    )
    db = connections.get("default")
    for statement in (*statements, "ANALYZE customer", "ANALYZE customer_label"):
        await db.execute_script(statement)


def _nodes(plan: dict[str, Any]) -> list[str]:
    return [plan["Node Type"], *(n for child in plan.get("Plans", []) for n in _nodes(child))]


async def _plan(account_id: uuid.UUID, filters: Filters, after: Position | None) -> list[str]:
    """The node types of the plan of the page query search-customers runs."""
    query = await matching(account_id, filters, after)
    page: Any = query.limit(PAGE_MAX + 1).values(*VIEW_COLUMNS, "updated_at")
    db = connections.get("default")
    page._db = db
    page._make_query()
    sql, params = page.query.get_parameterized_sql()
    _, rows = await db.execute_query(f"EXPLAIN (FORMAT JSON) {sql}", list(params))
    plan = rows[0]["QUERY PLAN"]
    return _nodes((orjson.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"])


async def test_filters_use_indexes(client: object, tenant: Tenant, make_tenant: MakeTenant) -> None:
    other = await make_tenant("Other")
    agents = [(await create_agent(tenant.account.id, f"Agent {i}")).id for i in range(AGENTS)]
    labels = [(await create_label(tenant.account.id, f"L{i}")).id for i in range(LABELS)]
    await _generate(tenant.account.id, other.account.id, agents, labels)
    now = dt.datetime.now(dt.UTC)
    middle = Position(now - dt.timedelta(minutes=CUSTOMERS // 2), uuid.UUID(int=0))
    for after in (None, middle):
        for name, filters in (
            ("label", Filters(labels=("L3",))),
            ("labels, all", Filters(labels=("L3", "L4"), labels_match="all")),
            ("status", Filters(statuses=("escalated",))),
            ("agent", Filters(agent_id=str(agents[7]))),
            ("updated since", Filters(updated_since=now - dt.timedelta(minutes=30))),
        ):
            nodes = await _plan(tenant.account.id, filters, after)
            assert "Seq Scan" not in nodes, (name, after, nodes)
            assert any("Index" in node for node in nodes), (name, after, nodes)
