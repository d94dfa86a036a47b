"""Benchmark 5: peak memory (RSS) per server process under a mixed load.

`mumble serve` (API with its embedded delivery worker) and `mumble sandbox` (Meta's stand-in)
run as separate processes; the load mixes get-customer, get-all-customers, send-text-message
and signed inbound status webhooks. The baseline is the bare Starlette app under load.

    python -m bench.memory [--quick] [--duration S] [--concurrency N]
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

from bench import common
from bench.inbound_statuses import _status_batch

MIX = ("get-customer", "get-all-customers", "send-text-message", "status-webhook")


async def run(quick: bool, duration: float | None, concurrency: int | None) -> None:
    customers = 1_000 if quick else 20_000
    messages = 1_000 if quick else 20_000
    seconds = duration or (2.0 if quick else 20.0)
    clients = concurrency or 16
    async with common.bench_database() as db:
        tenant = await common.make_tenant(db, channel=True)
        common.say(f"loading {customers} customers and {messages} messages")
        await common.sql(
            db,
            common.customers_sql(tenant.account_id, customers, window_open=True),
            common.messages_sql(tenant.account_id, messages),
            "ANALYZE",
        )
        sandbox = common.sandbox_server()
        bare = common.bare_server()
        port = common.free_port()
        settings = common.mumble_settings(
            db,
            port,
            whatsapp_api_url=sandbox.url,
            rate_limit_messaging="unlimited",
            rate_limit_per_ip="unlimited",
            run_worker="true",
            # Memory under load, not Meta's pace: the pacer runs at a pace the load never reaches.
            pace_default_mps=1_000_000,
        )
        api = common.mumble_server(settings, port)
        figures: dict[str, Any] = {"concurrency": clients, "seconds": seconds}
        with common.running(sandbox, bare, api):
            for server in (sandbox, bare, api):
                await server.ready()
            await common.post_json(
                sandbox.url + "/_sandbox/config", {"enforce_window": False, "auto_statuses": []}
            )
            for server in (api, sandbox, bare):
                figures[f"{server.name}_idle_rss_mib"] = round(server.memory()[0], 1)
            rng = random.Random(5)
            base = api.url + "/mumbleapi/"
            pages = customers // 250

            def make(n: int) -> common.Request:
                kind = MIX[n % len(MIX)]
                customer = common.phone(rng.randint(1, customers))
                if kind == "get-customer":
                    url = f"{base}get-customer?customer_phone={customer}"
                    return common.json_request("GET", url, tenant.key)
                if kind == "get-all-customers":
                    url = f"{base}get-all-customers?page={rng.randint(1, pages)}"
                    return common.json_request("GET", url, tenant.key)
                if kind == "send-text-message":
                    body = {"customer_phone": customer, "text": f"Hello #{n}"}
                    return common.json_request("POST", base + "send-text-message", tenant.key, body)
                return _status_batch(api.url + "/webhooks/whatsapp", messages, n * 10, 10)

            common.say(f"mixed load on mumble: {clients} clients for {seconds}s")
            load = await common.closed_loop(make, concurrency=clients, duration=seconds)
            common.check(load, "mixed load")
            common.say(f"bare Starlette: {clients} clients for {seconds}s")
            await common.closed_loop(
                common.repeat(("GET", bare.url + "/json", {}, None)),
                concurrency=clients,
                duration=seconds,
            )
            for server in (api, sandbox, bare):
                figures[f"{server.name}_peak_rss_mib"] = round(server.memory()[1], 1)
        figures["mixed_requests"] = load.count
        figures["mixed_rps"] = round(load.rate, 1)
        figures["mumble_peak_vs_bare_peak"] = round(
            figures["mumble_peak_rss_mib"] / figures["bare_peak_rss_mib"],
            2,
        )
        figures["mumble_peak_vs_own_idle"] = round(
            figures["mumble_peak_rss_mib"] / figures["mumble_idle_rss_mib"],
            2,
        )
    common.report("peak-memory", figures)


def main() -> None:
    args = common.parser(__doc__ or "").parse_args()
    asyncio.run(run(args.quick, args.duration, args.concurrency))


if __name__ == "__main__":
    main()
