"""Benchmark 7: import-customers, N customers in batches of 1,000 on PostgreSQL, against the
same N sent one add-new-customer at a time (16 clients) to a fresh database in the same run.

    python -m bench.import_customers [--quick] [--concurrency N]
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import aiohttp
import orjson

from bench import common

BATCH = 1_000
LIMIT = "10000000/minute"


def _row(n: int) -> dict[str, str]:
    return {
        "customer_phone": common.phone(n),
        "name": f"Customer {n}",
        "email": f"customer{n}@example.com",
        "utm_source": "crm",
        "tier": "gold" if n % 2 else "silver",
    }


async def _imported(url: str, key: str, customers: int) -> tuple[float, Counter[str]]:
    """Seconds to import every customer, batch after batch, and the rows' statuses."""
    statuses: Counter[str] = Counter()
    headers = {"Mumble-Api-Key": key, "Content-Type": "application/json"}
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        started = time.perf_counter()
        for first in range(1, customers + 1, BATCH):
            rows = [_row(n) for n in range(first, min(first + BATCH, customers + 1))]
            async with session.post(
                url + "/mumbleapi/import-customers", data=orjson.dumps(rows), headers=headers
            ) as response:
                answer = orjson.loads(await response.read())
                if response.status != 200:
                    raise SystemExit(f"import-customers: {response.status} {answer}")
            statuses.update(result["status"] for result in answer["results"])
        return time.perf_counter() - started, statuses


async def run(quick: bool, concurrency: int | None) -> None:
    customers = 2_000 if quick else 100_000
    clients = concurrency or 16
    async with common.bench_database() as db:
        tenant = await common.make_tenant(db, rate_limit=LIMIT)
        port = common.free_port()
        api = common.mumble_server(common.mumble_settings(db, port, rate_limit_per_ip=LIMIT), port)
        with common.running(api):
            await api.ready()
            cpu_before = api.cpu_seconds()
            common.say(f"import-customers: {customers} customers in batches of {BATCH}")
            seconds, statuses = await _imported(api.url, tenant.key, customers)
            import_cpu = api.cpu_seconds() - cpu_before
        stored = await common.fetch_value(db, "SELECT count(*) FROM customer")
    if statuses != Counter({"created": customers}) or stored != customers:
        raise SystemExit(f"import-customers stored {stored}, rows {dict(statuses)}")

    async with common.bench_database() as db:
        tenant = await common.make_tenant(db, rate_limit=LIMIT)
        port = common.free_port()
        api = common.mumble_server(common.mumble_settings(db, port, rate_limit_per_ip=LIMIT), port)
        with common.running(api):
            await api.ready()
            url = api.url + "/mumbleapi/add-new-customer"
            common.say(f"add-new-customer one at a time: {customers} with {clients} clients")
            single = await common.closed_loop(
                lambda n: common.json_request("POST", url, tenant.key, _row(n + 1)),
                concurrency=clients,
                duration=3600,
                max_requests=customers,
                servers=[api],
            )
            common.check(single, "add-new-customer")
        stored = await common.fetch_value(db, "SELECT count(*) FROM customer")
    if stored != customers:
        raise SystemExit(f"add-new-customer stored {stored} of {customers}")

    rate = customers / seconds
    common.report(
        "import-customers",
        {
            "customers": customers,
            "batch": BATCH,
            "import_seconds": round(seconds, 2),
            "import_customers_per_s": round(rate, 1),
            "import_server_cpu_ms_per_customer": round(import_cpu * 1000 / customers, 3),
            "one_by_one_seconds": round(single.seconds, 2),
            "one_by_one_customers_per_s": round(single.rate, 1),
            "one_by_one_concurrency": clients,
            **single.figures("add_new_customer"),
            "import_ratio_vs_one_by_one": common.ratio(rate, single.rate),
        },
    )


def main() -> None:
    args = common.parser(__doc__ or "").parse_args()
    asyncio.run(run(args.quick, args.concurrency))


if __name__ == "__main__":
    main()
