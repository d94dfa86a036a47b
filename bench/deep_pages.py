"""Benchmark 4: the cost of going deep on PostgreSQL. get-all-customers page 1, the middle
page and the last page with 1M customers, and the same pages of get-conversation for a
customer with 100k messages: latency of each, one request at a time.

Data is generated inside PostgreSQL (INSERT … SELECT generate_series) in a throwaway database.

    python -m bench.deep_pages [--quick] [--requests N]
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

from bench import common
from mumble.conversations.service import PER_PAGE as MESSAGES_PER_PAGE
from mumble.customers.service import PER_PAGE as CUSTOMERS_PER_PAGE


def _conversation_sql(account_id: str, count: int) -> str:
    """`count` messages alternating in and out for customer number 1, one second apart."""
    return f"""
        INSERT INTO message (direction, type, text, media_state, media_attempts, wamid, status,
            payload, occurred_at, created_at, updated_at, account_id, customer_id)
        SELECT CASE WHEN g % 2 = 0 THEN 'outbound' ELSE 'inbound' END, 'text',
            'Message number ' || g, 'none', 0, 'wamid.deep.' || g,
            CASE WHEN g % 2 = 0 THEN 'read' ELSE 'received' END, '{{}}'::jsonb,
            now() - ({count} - g) * interval '1 second', now(), now(), '{account_id}',
            (SELECT id FROM customer WHERE account_id = '{account_id}'
             AND phone = '{common.phone(1)}')
        FROM generate_series(1, {count}) AS g"""


async def run(quick: bool, requests: int | None) -> None:
    customers = 2_000 if quick else 1_000_000
    messages = 1_000 if quick else 100_000
    count = requests or (5 if quick else 30)
    async with common.bench_database() as db:
        tenant = await common.make_tenant(db)
        common.say(f"loading {customers} customers and {messages} messages (progress per step)")
        await common.sql(
            db,
            common.customers_sql(tenant.account_id, customers),
            _conversation_sql(tenant.account_id, messages),
            # What autovacuum would do after a bulk load: statistics and the visibility map.
            "VACUUM ANALYZE customer",
            "VACUUM ANALYZE message",
        )
        port = common.free_port()
        settings = common.mumble_settings(db, port, rate_limit_per_ip="unlimited")
        api = common.mumble_server(settings, port)
        base = api.url + "/mumbleapi/"
        last_customers = math.ceil(customers / CUSTOMERS_PER_PAGE)
        last_messages = math.ceil(messages / MESSAGES_PER_PAGE)
        mid_customers, mid_messages = last_customers // 2, last_messages // 2
        conversation = f"get-conversation?customer_phone={common.phone(1)}&page="
        cases = {
            "customers_page1": "get-all-customers?page=1",
            f"customers_page{mid_customers}_middle": f"get-all-customers?page={mid_customers}",
            f"customers_page{last_customers}_last": f"get-all-customers?page={last_customers}",
            "conversation_page1": conversation + "1",
            f"conversation_page{mid_messages}_middle": conversation + str(mid_messages),
            f"conversation_page{last_messages}_last": conversation + str(last_messages),
        }
        figures: dict[str, Any] = {"customers": customers, "messages": messages}
        with common.running(api):
            await api.ready()
            for name, path in cases.items():
                common.say(f"{name}: {count} requests, one at a time")
                load = await common.closed_loop(
                    common.repeat(common.json_request("GET", base + path, tenant.key)),
                    concurrency=1,
                    duration=120.0,
                    max_requests=count,
                    warmup=0.5,
                )
                common.check(load, name)
                figures[f"{name}_p50_ms"] = round(load.ms(50), 2)
                figures[f"{name}_p99_ms"] = round(load.ms(99), 2)
    for kind, middle, last in (
        ("customers", mid_customers, last_customers),
        ("conversation", mid_messages, last_messages),
    ):
        first_ms = figures[f"{kind}_page1_p50_ms"]
        for where, page in (("middle", middle), ("last", last)):
            figures[f"{kind}_{where}_vs_first_p50"] = round(
                figures[f"{kind}_page{page}_{where}_p50_ms"] / first_ms, 2
            )
    common.report("deep-pages", figures)


def main() -> None:
    cli = common.parser(__doc__ or "")
    cli.add_argument("--requests", type=int, help="requests per case")
    args = cli.parse_args()
    asyncio.run(run(args.quick, args.requests))


if __name__ == "__main__":
    main()
