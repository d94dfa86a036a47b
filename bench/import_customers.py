"""Benchmark 7: import-customers, N customers in batches of 1,000 on PostgreSQL, against the
same N sent one add-new-customer at a time (16 clients) to a fresh database in the same run.

    python -m bench.import_customers [--quick] [--customers N] [--import-only] [--concurrency N]

Besides the times it prints, per batch of the import, the API's PostgreSQL round trips (counted
inside the server, `bench.counting`) and the CPU seconds of the API process, of the PostgreSQL
backends serving the bench database (/proc of the pids in pg_stat_activity) and of this client.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from pathlib import Path

import aiohttp
import asyncpg
import orjson

from bench import common, counting

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


_TICKS = os.sysconf("SC_CLK_TCK")


async def _backend_cpu(database_url: str) -> float:
    """CPU seconds so far of the PostgreSQL backends connected to the bench database."""
    conn = await asyncpg.connect(common.asyncpg_dsn(database_url))
    try:
        pids = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
    finally:
        await conn.close()
    return sum(_cpu_of(row["pid"]) for row in pids)


def _cpu_of(pid: int) -> float:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # PostgreSQL on another host or in a container: not measured
        return 0.0
    return (int(stat[11]) + int(stat[12])) / _TICKS


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
            done = first + BATCH - 1
            if done % (10 * BATCH) == 0 and done < customers:
                common.say(f"  {done:>7} imported, {time.perf_counter() - started:6.1f}s")
        return time.perf_counter() - started, statuses


async def run(
    quick: bool, concurrency: int | None, customers: int | None, import_only: bool
) -> None:
    customers = customers or (2_000 if quick else 100_000)
    clients = concurrency or 16
    batches = -(-customers // BATCH)
    async with common.bench_database() as db:
        tenant = await common.make_tenant(db, rate_limit=LIMIT)
        port = common.free_port()
        api = common.mumble_server(common.mumble_settings(db, port, rate_limit_per_ip=LIMIT), port)
        with common.running(api):
            await api.ready()
            counters = common.server_counters([api])
            trips_before = counters.read()
            cpu_before, pg_before = api.cpu_seconds(), await _backend_cpu(db)
            client_before = time.process_time()
            common.say(f"import-customers: {customers} customers in batches of {BATCH}")
            seconds, statuses = await _imported(api.url, tenant.key, customers)
            client_cpu = time.process_time() - client_before
            import_cpu = api.cpu_seconds() - cpu_before
            pg_cpu = await _backend_cpu(db) - pg_before
            trips = counting.per_request(trips_before, counters.read(), batches)
        stored = await common.fetch_value(db, "SELECT count(*) FROM customer")
    if statuses != Counter({"created": customers}) or stored != customers:
        raise SystemExit(f"import-customers stored {stored}, rows {dict(statuses)}")
    rate = customers / seconds
    figures: dict[str, object] = {
        "customers": customers,
        "batch": BATCH,
        "import_seconds": round(seconds, 2),
        "import_customers_per_s": round(rate, 1),
        "import_server_cpu_ms_per_customer": round(import_cpu * 1000 / customers, 3),
        "import_postgres_cpu_ms_per_customer": round(pg_cpu * 1000 / customers, 3),
        "import_client_cpu_ms_per_customer": round(client_cpu * 1000 / customers, 3),
        "import_round_trips_per_batch": trips["total"],
        "import_round_trips_per_batch_detail": counting.describe(trips),
    }
    if import_only:
        common.report("import-customers", figures)
        return

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

    common.report(
        "import-customers",
        {
            **figures,
            "one_by_one_seconds": round(single.seconds, 2),
            "one_by_one_customers_per_s": round(single.rate, 1),
            "one_by_one_concurrency": clients,
            **single.figures("add_new_customer"),
            "import_ratio_vs_one_by_one": common.ratio(rate, single.rate),
        },
    )


def main() -> None:
    cli = common.parser(__doc__ or "")
    cli.add_argument("--customers", type=int, help="customers to import (default 100,000)")
    cli.add_argument("--import-only", action="store_true", help="skip the one-by-one arm")
    args = cli.parse_args()
    asyncio.run(run(args.quick, args.concurrency, args.customers, args.import_only))


if __name__ == "__main__":
    main()
