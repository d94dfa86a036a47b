"""Benchmark 2: send-text-message end to end (API -> adapter -> sandbox Graph API over HTTP,
recorded as accepted then sent): messages per second and p50/p99, with the API's round trips
per message, against the floor measured in the same run: the same sends posted straight to
the sandbox's Graph endpoint by the same clients (what Meta's answer costs with no Mumble).

The messaging limit is lifted (MUMBLE_RATE_LIMIT_MESSAGING=unlimited) and the key is
unlimited; the per-IP limit stays on, set high. The sandbox runs in its own process with its
24-hour window check and its automatic status webhooks off (benchmark 3 measures those).

    python -m bench.send_text [--quick] [--duration S] [--concurrency N]
"""

from __future__ import annotations

import asyncio

import orjson

from bench import common
from mumble.cli.server import DEMO_CHANNEL
from mumble.settings import GRAPH_VERSION
from mumble.whatsapp.payloads import text_payload

PER_IP = "10000000/minute"


async def run(quick: bool, duration: float | None, concurrency: int | None) -> None:
    customers = 200 if quick else 5_000
    seconds = duration or (1.5 if quick else 15.0)
    warmup = 0.3 if quick else 2.0
    clients = concurrency or 16
    async with common.bench_database() as db:
        tenant = await common.make_tenant(db, channel=True)
        common.say(f"loading {customers} customers with an open 24-hour window")
        await common.sql(
            db, common.customers_sql(tenant.account_id, customers, window_open=True), "ANALYZE"
        )
        sandbox = common.sandbox_server()
        port = common.free_port()
        settings = common.mumble_settings(
            db,
            port,
            whatsapp_api_url=sandbox.url,
            rate_limit_messaging="unlimited",
            rate_limit_per_ip=PER_IP,
            # The bench measures Mumble's send path, not Meta's 80/s: the pacer still runs
            # (one round trip per send) at a pace the bench never reaches.
            pace_default_mps=1_000_000,
        )
        api = common.mumble_server(settings, port)
        with common.running(sandbox, api):
            await sandbox.ready()
            await common.post_json(
                sandbox.url + "/_sandbox/config", {"enforce_window": False, "auto_statuses": []}
            )
            await api.ready()
            graph = f"{sandbox.url}/{GRAPH_VERSION}/{DEMO_CHANNEL.phone_number_id}/messages"
            auth = {"Authorization": f"Bearer {DEMO_CHANNEL.access_token}"}
            common.say(f"baseline, straight to the sandbox: {clients} clients for {seconds}s")
            floor = await common.closed_loop(
                lambda n: (
                    "POST",
                    graph,
                    auth | {"Content-Type": "application/json"},
                    orjson.dumps(text_payload(common.phone(n % customers + 1), f"Hello #{n}")),
                ),
                concurrency=clients,
                duration=seconds,
                warmup=warmup,
                servers=[sandbox],
            )
            common.check(floor, "sandbox send")
            url = api.url + "/mumbleapi/send-text-message"
            common.say(f"send-text-message: {clients} clients for {seconds}s")
            sandbox_cpu = sandbox.cpu_seconds()
            load = await common.closed_loop(
                lambda n: common.json_request(
                    "POST",
                    url,
                    tenant.key,
                    {"customer_phone": common.phone(n % customers + 1), "text": f"Hello #{n}"},
                ),
                concurrency=clients,
                duration=seconds,
                warmup=warmup,
                servers=[api],
            )
            sandbox_cpu = sandbox.cpu_seconds() - sandbox_cpu
            common.check(load, "send-text-message")
    common.report(
        "send-text-message",
        {
            "customers": customers,
            "concurrency": clients,
            "limits": f"messaging unlimited, key unlimited, per-IP {PER_IP}",
            **load.figures("send_text"),
            "sandbox_cpu_ms_per_msg": round(sandbox_cpu * 1000 / load.count, 3),
            **floor.figures("sandbox_direct"),
            "throughput_ratio_vs_sandbox_direct": common.ratio(load.rate, floor.rate),
        },
    )


def main() -> None:
    args = common.parser(__doc__ or "").parse_args()
    asyncio.run(run(args.quick, args.duration, args.concurrency))


if __name__ == "__main__":
    main()
