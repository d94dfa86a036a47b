"""Benchmark 3: inbound status webhooks ingested per second on /webhooks/whatsapp.

Signed payloads (X-Hub-Signature-256 checked by the server) in Meta's shape, carrying
`delivered` then `read` statuses for messages already stored. Two batch sizes: one status per
POST (what Meta usually sends) and a large batch (Meta batches up to 1000 updates per POST).
Each is printed with the API's round trips per status and against its baseline measured in
the same run: a bare Starlette POST endpoint reading the same bodies.

    python -m bench.inbound_statuses [--quick] [--duration S] [--concurrency N] [--batch B]
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench import common
from mumble.cli.server import DEMO_CHANNEL
from mumble.whatsapp.payloads import messages_value, status_item, webhook_envelope


def _status_batch(url: str, messages: int, first: int, batch: int) -> common.Request:
    """`batch` statuses from item `first` on; each stored message gets delivered, then read."""
    items = []
    now = int(time.time())
    for k in range(first, first + batch):
        index, lap = k % messages + 1, k // messages
        status = "delivered" if lap % 2 == 0 else "read"
        items.append(status_item(f"wamid.bench.{index}", status, now, common.phone(index)))
    value = messages_value(
        str(DEMO_CHANNEL.phone_number_id), str(DEMO_CHANNEL.display_phone), statuses=items
    )
    return common.signed_webhook(
        webhook_envelope(str(DEMO_CHANNEL.waba_id), "messages", value), url
    )


async def run(
    quick: bool, duration: float | None, concurrency: int | None, big_batch: int | None
) -> None:
    customers = 100 if quick else 1_000
    messages = 2_000 if quick else 100_000
    seconds = duration or (1.5 if quick else 12.0)
    warmup = 0.3 if quick else 2.0
    clients = concurrency or 32
    large = big_batch or (20 if quick else 100)
    figures: dict[str, Any] = {"stored_messages": messages, "concurrency": clients}
    async with common.bench_database() as db:
        tenant = await common.make_tenant(db, channel=True)
        common.say(f"loading {customers} customers and {messages} sent messages")
        await common.sql(
            db,
            common.customers_sql(tenant.account_id, customers),
            common.messages_sql(tenant.account_id, messages),
            "ANALYZE",
        )
        port = common.free_port()
        api = common.mumble_server(common.mumble_settings(db, port), port)
        bare = common.bare_server()
        with common.running(api, bare):
            await api.ready()
            await bare.ready()
            url = api.url + "/webhooks/whatsapp"
            # Every POST (warm-up included) carries the next statuses, never a replay.
            cursor = [0]
            for batch in (1, large):
                common.say(f"{batch} status(es) per POST: {clients} clients for {seconds}s")

                def make(_: int, batch: int = batch) -> common.Request:
                    cursor[0] += batch
                    return _status_batch(url, messages, cursor[0] - batch, batch)

                load = await common.closed_loop(
                    make, concurrency=clients, duration=seconds, warmup=warmup, servers=[api]
                )
                common.check(load, f"status webhooks, batch {batch}")
                body = _status_batch(url, messages, 0, batch)
                floor = await common.closed_loop(
                    common.repeat(("POST", bare.url + "/post", body[2], body[3])),
                    concurrency=clients,
                    duration=seconds,
                    warmup=warmup,
                    servers=[bare],
                )
                common.check(floor, "bare POST")
                figures |= {
                    f"batch{batch}_statuses_per_s": round(load.rate * batch, 1),
                    **load.figures(f"batch{batch}_post"),
                    f"batch{batch}_server_cpu_ms_per_status": round(
                        load.server_cpu * 1000 / (load.count * batch), 3
                    ),
                    f"batch{batch}_round_trips_per_status": round(
                        load.trips.get("total", 0) / batch, 2
                    ),
                    f"batch{batch}_bare_post_rps": round(floor.rate, 1),
                    f"batch{batch}_post_ratio_vs_bare": common.ratio(load.rate, floor.rate),
                }
        figures["messages_delivered_in_db"] = await common.fetch_value(
            db, "SELECT count(*) FROM message WHERE delivered_at IS NOT NULL"
        )
    figures["batch_gain"] = round(
        figures[f"batch{large}_statuses_per_s"] / figures["batch1_statuses_per_s"],
        2,
    )
    common.report("inbound-status-webhooks", figures)


def main() -> None:
    cli = common.parser(__doc__ or "")
    cli.add_argument("--batch", type=int, help="statuses per POST in the batched run")
    args = cli.parse_args()
    asyncio.run(run(args.quick, args.duration, args.concurrency, args.batch))


if __name__ == "__main__":
    main()
