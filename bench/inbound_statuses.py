"""Benchmark 3: inbound status webhooks ingested per second on /webhooks/whatsapp.

Signed payloads (X-Hub-Signature-256 checked by the server) in Meta's shape, carrying
`delivered` then `read` statuses for messages already stored. Two batch sizes: one status per
POST (what Meta usually sends) and a large batch (Meta batches up to 1000 updates per POST).
Each is printed with the API's round trips per status and against two baselines measured in
the same run: the general path (a second `mumble serve` with MUMBLE_STATUS_SETS=false, status
by status, its rounds alternated with the sets' rounds) and a bare Starlette POST endpoint
reading the same bodies.

    python -m bench.inbound_statuses [--quick] [--duration S] [--concurrency N] [--batch B]
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench import common, counting
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


def _per_status(load: common.Load, batch: int) -> dict[str, float]:
    return {kind: value / batch for kind, value in load.trips.items()}


async def _round(
    server: common.Server,
    cursor: list[int],
    messages: int,
    batch: int,
    *,
    clients: int,
    seconds: float,
    warmup: float,
) -> common.Load:
    """One measured round of `batch` statuses per POST against `server`."""
    url = server.url + "/webhooks/whatsapp"

    def make(_: int) -> common.Request:
        cursor[0] += batch
        return _status_batch(url, messages, cursor[0] - batch, batch)

    load = await common.closed_loop(
        make, concurrency=clients, duration=seconds, warmup=warmup, servers=[server]
    )
    common.check(load, f"status webhooks, batch {batch}, {server.name}")
    return load


def _figures(prefix: str, loads: list[common.Load], batch: int) -> dict[str, Any]:
    """The rounds of one arm together: statuses/s, latency, CPU and round trips per status."""
    count = sum(load.count for load in loads)
    seconds = sum(load.seconds for load in loads)
    trips: dict[str, float] = {}
    for load in loads:
        for kind, value in _per_status(load, batch).items():
            trips[kind] = trips.get(kind, 0.0) + value * load.count / max(1, count)
    latencies = sorted(x for load in loads for x in load.latencies)
    rounded = {kind: round(value, 2) for kind, value in trips.items()}
    return {
        f"{prefix}_statuses_per_s": round(count * batch / max(seconds, 1e-9), 1),
        f"{prefix}_post_p50_ms": round(common.percentile(latencies, 50) * 1000, 2),
        f"{prefix}_post_p99_ms": round(common.percentile(latencies, 99) * 1000, 2),
        f"{prefix}_server_cpu_ms_per_status": round(
            sum(load.server_cpu for load in loads) * 1000 / max(1, count * batch), 3
        ),
        f"{prefix}_round_trips_per_status": rounded.get("total", 0.0),
        f"{prefix}_round_trips_per_status_detail": counting.describe(rounded) if trips else "",
    }


async def run(
    quick: bool, duration: float | None, concurrency: int | None, big_batch: int | None
) -> None:
    customers = 100 if quick else 1_000
    # Enough messages that every status of the run moves one (sent -> delivered), whichever
    # arm sends it: the two arms pay for the same work.
    messages = 40_000 if quick else 400_000
    seconds = duration or (1.5 if quick else 12.0)
    warmup = 0.3 if quick else 2.0
    rounds = 1 if quick else 2
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
        port, general_port = common.free_port(), common.free_port()
        api = common.mumble_server(common.mumble_settings(db, port), port)
        # The baseline of the same run: the general path, status by status (MUMBLE_STATUS_SETS).
        general = common.mumble_server(
            common.mumble_settings(db, general_port, status_sets="false"), general_port
        )
        general.name = "general"
        bare = common.bare_server()
        with common.running(api, general, bare):
            await api.ready()
            await general.ready()
            await bare.ready()
            # Every POST (warm-up included) carries the next statuses, never a replay.
            cursor = [0]
            for batch in (1, large):
                arms: dict[str, list[common.Load]] = {"sets": [], "general": []}
                for n in range(rounds):
                    # Alternated rounds, so load from elsewhere on the machine hits both arms.
                    for name, server in (("general", general), ("sets", api)):
                        common.say(
                            f"{batch} status(es) per POST, {name} path, round {n + 1}: "
                            f"{clients} clients for {seconds}s"
                        )
                        load = await _round(
                            server, cursor, messages, batch,
                            clients=clients, seconds=seconds, warmup=warmup,
                        )  # fmt: skip
                        arms[name].append(load)
                body = _status_batch(api.url + "/webhooks/whatsapp", messages, 0, batch)
                floor = await common.closed_loop(
                    common.repeat(("POST", bare.url + "/post", body[2], body[3])),
                    concurrency=clients,
                    duration=seconds,
                    warmup=warmup,
                    servers=[bare],
                )
                common.check(floor, "bare POST")
                sets = _figures(f"batch{batch}", arms["sets"], batch)
                baseline = _figures(f"batch{batch}_general", arms["general"], batch)
                post_rate = sets[f"batch{batch}_statuses_per_s"] / batch
                figures |= {
                    **sets,
                    **baseline,
                    f"batch{batch}_sets_vs_general": common.ratio(
                        sets[f"batch{batch}_statuses_per_s"],
                        baseline[f"batch{batch}_general_statuses_per_s"],
                    ),
                    f"batch{batch}_bare_post_rps": round(floor.rate, 1),
                    f"batch{batch}_post_ratio_vs_bare": common.ratio(post_rate, floor.rate),
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
