"""Benchmark 1: get-customer (authenticated, rate-limited, 100k customers) against a bare
Starlette JSON endpoint under the same uvicorn options: throughput, p50/p99 and their ratio.

Two arms after the baseline: `get_customer` asks for customers drawn uniformly from all of them
(far more than the API's customer cache holds, so nearly every request misses it and reads the
database), `get_customer_hot` for customers drawn from a working set of `HOT` that fits the
cache (after the first read of each, requests are served from it). Each prints its round
trips per request, the figure that tells the two apart.

    python -m bench.get_customer [--quick] [--duration S] [--concurrency N]
"""

from __future__ import annotations

import asyncio
import random

from bench import common

# Limits stay on (each request is counted in Redis per IP and per key), set high enough that
# the benchmark measures their cost, not their refusals.
PER_IP = "10000000/minute"
PER_KEY = "10000000/minute"
# The hot arm's working set: customers a busy inbox is looking at, well under the cache's size.
HOT = 1_000


async def run(quick: bool, duration: float | None, concurrency: int | None) -> None:
    customers = 1_000 if quick else 100_000
    seconds = duration or (1.5 if quick else 15.0)
    warmup = 0.3 if quick else 2.0
    clients = concurrency or 16
    async with common.bench_database() as db:
        tenant = await common.make_tenant(db, rate_limit=PER_KEY)
        common.say(f"loading {customers} customers")
        await common.sql(db, common.customers_sql(tenant.account_id, customers), "ANALYZE")
        bare = common.bare_server()
        port = common.free_port()
        api = common.mumble_server(common.mumble_settings(db, port, rate_limit_per_ip=PER_IP), port)
        with common.running(bare, api):
            await bare.ready()
            await api.ready()
            common.say(f"bare Starlette: {clients} clients for {seconds}s")
            baseline = await common.closed_loop(
                common.repeat(("GET", bare.url + "/json", {}, None)),
                concurrency=clients,
                duration=seconds,
                warmup=warmup,
                servers=[bare],
            )
            common.check(baseline, "bare endpoint")
            rng = random.Random(7)
            url = api.url + "/mumbleapi/get-customer?customer_phone="
            common.say(f"get-customer: {clients} clients for {seconds}s")
            load = await common.closed_loop(
                lambda _: common.json_request(
                    "GET", url + common.phone(rng.randint(1, customers)), tenant.key
                ),
                concurrency=clients,
                duration=seconds,
                warmup=warmup,
                servers=[api],
            )
            common.check(load, "get-customer")
            hot = min(HOT, customers // 10)
            common.say(f"get-customer, {hot} hot customers: {clients} clients for {seconds}s")
            hot_load = await common.closed_loop(
                lambda _: common.json_request(
                    "GET", url + common.phone(rng.randint(1, hot)), tenant.key
                ),
                concurrency=clients,
                duration=seconds,
                warmup=warmup,
                servers=[api],
            )
            common.check(hot_load, "get-customer (hot)")
    common.report(
        "get-customer",
        {
            "customers": customers,
            "hot_customers": min(HOT, customers // 10),
            "concurrency": clients,
            "limits": f"per-IP {PER_IP}, per-key {PER_KEY}, storage {common.REDIS_URL}",
            **load.figures("get_customer"),
            **hot_load.figures("get_customer_hot"),
            **baseline.figures("bare"),
            "throughput_ratio_vs_bare": round(load.rate / baseline.rate, 3),
            "hot_throughput_ratio_vs_bare": round(hot_load.rate / baseline.rate, 3),
            "p50_ratio_vs_bare": round(load.ms(50) / baseline.ms(50), 2),
            "cpu_per_request_ratio_vs_bare": round(
                (load.server_cpu / load.count) / (baseline.server_cpu / baseline.count), 2
            ),
            "hot_cpu_per_request_ratio_vs_bare": round(
                (hot_load.server_cpu / hot_load.count) / (baseline.server_cpu / baseline.count), 2
            ),
        },
    )


def main() -> None:
    args = common.parser(__doc__ or "").parse_args()
    asyncio.run(run(args.quick, args.duration, args.concurrency))


if __name__ == "__main__":
    main()
