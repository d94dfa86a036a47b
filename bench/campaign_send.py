"""Benchmark 8: a campaign of N recipients (default 100,000) sent by `mumble worker` through
the sandbox: sustained send rate, time from create to the first message, the worker's peak RSS
and CPU per message, and its database round trips per message, against the baseline measured
in the same run: single sends through `send_template`, one after the other, in this process.

The campaign is stored as create-campaign stores it (the campaign row and one recipient row per
customer, materialised by one INSERT … SELECT), then announced on `mumble_changes` as
create-campaign announces it; the worker (its own process, as in production) hears it and
sends. The sandbox runs in its own process with its window check and status webhooks off.

    python -m bench.campaign_send [--quick] [--recipients N] [--baseline N] [--workers K]
                                  [--pool P]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from typing import Any

import aiohttp
import asyncpg

from bench import common, counting
from mumble.cli.server import DEMO_CHANNEL

TEMPLATE = "bench_campaign"
BODY = "Hello {{1}}, your code is {{2}}."

# The sandbox number's throughput: Meta's top tier (1,000 messages/s), so the pacer is not
# what limits the run unless Mumble reaches it.
THROUGHPUT = 1000


def _parser() -> argparse.ArgumentParser:
    parser = common.parser(__doc__ or "")
    parser.add_argument("--recipients", type=int, default=None, help="campaign size")
    parser.add_argument("--baseline", type=int, default=None, help="single sends measured")
    parser.add_argument("--workers", type=int, default=1, help="`mumble worker` processes")
    parser.add_argument("--pool", type=int, default=None, help="worker's database pool size")
    return parser


async def _template(db: str, account_id: str, sandbox_url: str) -> str:
    """An APPROVED UTILITY template with two variables, in our database and in the sandbox."""
    components = [{"type": "BODY", "text": BODY, "example": {"body_text": [["Dana", "X1"]]}}]
    await common.post_json(
        sandbox_url + "/_sandbox/templates",
        {
            "waba_id": DEMO_CHANNEL.waba_id,
            "name": TEMPLATE,
            "language": "en_US",
            "category": "UTILITY",
            "components": components,
        },
    )
    template_id = str(uuid.uuid4())
    await common.sql(
        db,
        f"""INSERT INTO template (id, account_id, name, language, category, status, body,
            buttons, body_variables, parameter_format, components, origin, created_at,
            updated_at, meta_id)
        VALUES ('{template_id}', '{account_id}', '{TEMPLATE}', 'en_US', 'UTILITY', 'APPROVED',
            '{BODY}', '[]'::jsonb, 2, 'POSITIONAL', '[]'::jsonb, 'mumble', now(), now(), '1')""",
    )
    return template_id


async def _baseline(
    db: str, account_id: str, template_id: str, count: int, url: str
) -> dict[str, Any]:
    """`count` single sends through send_template, one after the other, in this process."""
    from mumble.clock import SystemClock
    from mumble.db import open_database
    from mumble.messages.flows import Profile, Sender
    from mumble.settings import GRAPH_VERSION
    from mumble.templates.flows import TemplateSend, send_template
    from mumble.whatsapp.client import GraphClient

    async with open_database(db), aiohttp.ClientSession() as http:
        # The number's throughput set to Meta's top tier, as for the campaign's workers.
        sender = Sender(
            GraphClient(http, url, GRAPH_VERSION), SystemClock(), "", default_mps=THROUGHPUT
        )
        cpu, wall = time.process_time(), time.perf_counter()
        for n in range(count):
            send = TemplateSend(
                phone=common.phone(n + 1),
                template_id=template_id,
                variables=[f"Customer {n + 1}", "X1"],
                button_values=[],
                media_link=None,
                profile=Profile(),
            )
            await send_template(sender, uuid.UUID(account_id), send)
        wall = time.perf_counter() - wall
        cpu = time.process_time() - cpu
    return {
        "baseline_sends": count,
        "baseline_rate_per_s": round(count / wall, 1),
        "baseline_cpu_ms_per_msg": round(cpu * 1000 / count, 3),
    }


async def _create(conn: asyncpg.Connection, account_id: str, template_id: str, n: int) -> str:
    """The campaign and its N recipients in one transaction, announced at commit."""
    campaign_id = str(uuid.uuid4())
    values = '{"variables": [{"field": "name"}, {"field": "tier", "fallback": "WELCOME"}]}'
    async with conn.transaction():
        await conn.execute(
            f"""INSERT INTO campaign (id, account_id, name, template_id, audience, values,
                status, send_at, recipients, created_at, updated_at)
            VALUES ('{campaign_id}', '{account_id}', 'Bench', '{template_id}',
                '{{"all_customers": true}}'::jsonb, '{values}'::jsonb, 'running', now(), {n},
                now(), now())"""
        )
        await conn.execute(
            f"""INSERT INTO campaign_recipient (campaign_id, customer_id, phone, status,
                updated_at)
            SELECT '{campaign_id}', id, phone, 'queued', now() FROM customer
            WHERE account_id = '{account_id}' ORDER BY phone LIMIT {n}"""
        )
        await conn.execute("SELECT pg_notify('mumble_changes', 'campaigns')")
    return campaign_id


async def _watch(
    conn: asyncpg.Connection, campaign_id: str, n: int, workers: list[common.Server]
) -> dict[str, Any]:
    """Wait for the campaign to complete; the rate, the first message's delay, CPU, memory."""
    created = time.time()
    cpu = sum(w.cpu_seconds() for w in workers)
    first: float | None = None
    samples: list[tuple[float, int]] = []
    while True:
        done = await conn.fetchval(
            f"SELECT count(*) FROM campaign_recipient WHERE campaign_id = '{campaign_id}'"
            " AND status NOT IN ('queued', 'sending')"
        )
        now = time.time()
        samples.append((now, int(done)))
        if first is None and done:
            first = await conn.fetchval(
                f"SELECT extract(epoch FROM min(occurred_at)) FROM message"
                f" WHERE campaign_id = '{campaign_id}'"
            )
        status = await conn.fetchval(f"SELECT status FROM campaign WHERE id = '{campaign_id}'")
        if status == "completed":
            break
        if len(samples) % 20 == 0:
            common.say(f"  {done}/{n} sent, {now - created:.1f}s")
        await asyncio.sleep(0.25)
    cpu = sum(w.cpu_seconds() for w in workers) - cpu
    finished = samples[-1][0]
    # Sustained: between 10% and 90% of the audience, past the start and the tail.
    low = next(s for s in samples if s[1] >= n * 0.1)
    high = next(s for s in samples if s[1] >= n * 0.9)
    sustained = (high[1] - low[1]) / (high[0] - low[0]) if high[0] > low[0] else 0.0
    peak = max(w.memory()[1] for w in workers)
    return {
        "create_to_first_message_ms": round((float(first or created) - created) * 1000, 1),
        "sustained_rate_per_s": round(sustained, 1),
        "overall_rate_per_s": round(n / (finished - created), 1),
        "worker_cpu_ms_per_msg": round(cpu * 1000 / n, 3),
        # CPU seconds per second of the workers together (1.0: one core kept busy).
        "worker_cpu_busy": round(cpu / (finished - created), 2),
        "worker_peak_rss_mib": round(peak, 1),
    }


async def _started(worker: common.Server) -> None:
    """Until the worker says it runs (it answers no HTTP)."""
    for _ in range(600):
        if b"webhook worker running" in worker.log.read_bytes():
            return
        await asyncio.sleep(0.1)
    raise SystemExit(f"worker did not start: {worker.tail()}")


async def run(
    quick: bool, recipients: int | None, baseline: int | None, count: int, pool: int | None
) -> None:
    n = recipients or (1_000 if quick else 100_000)
    singles = baseline or (200 if quick else 3_000)
    async with common.bench_database() as db:
        tenant = await common.make_tenant(db, channel=True)
        common.say(f"loading {n} customers")
        await common.sql(db, common.customers_sql(tenant.account_id, max(n, singles)), "ANALYZE")
        sandbox = common.sandbox_server()
        port = common.free_port()
        worker_db = f"{db}?minsize=1&maxsize={pool}" if pool else db
        env = common.mumble_settings(
            worker_db, port, whatsapp_api_url=sandbox.url, pace_default_mps=THROUGHPUT
        )
        workers = [
            common.Server(
                f"worker{k}", [sys.executable, "-m", "mumble", "worker"], env, port, counted=True
            )
            for k in range(max(1, count))
        ]
        with common.running(sandbox, *workers):
            await sandbox.ready()
            await common.post_json(
                sandbox.url + "/_sandbox/config", {"enforce_window": False, "auto_statuses": []}
            )
            template_id = await _template(db, tenant.account_id, sandbox.url)
            common.say(f"baseline: {singles} single sends through send_template, one at a time")
            base = await _baseline(db, tenant.account_id, template_id, singles, sandbox.url)
            for worker in workers:
                await _started(worker)
            counters = common.server_counters(workers)
            before = counters.read()
            conn = await asyncpg.connect(common.asyncpg_dsn(db))
            try:
                common.say(f"campaign of {n} recipients")
                campaign_id = await _create(conn, tenant.account_id, template_id, n)
                figures = await _watch(conn, campaign_id, n, workers)
                sent = await conn.fetchval(
                    f"SELECT count(*) FROM campaign_recipient WHERE campaign_id = '{campaign_id}'"
                    " AND status = 'sent'"
                )
            finally:
                await conn.close()
            trips = counting.per_request(before, counters.read(), n)
    common.report(
        "campaign-send",
        {
            "recipients": n,
            "workers": len(workers),
            "worker_pool": pool or "default",
            "sent": sent,
            **figures,
            "worker_round_trips_per_msg": counting.describe(trips),
            **base,
            "rate_ratio_vs_baseline": common.ratio(
                figures["sustained_rate_per_s"], base["baseline_rate_per_s"]
            ),
        },
    )


def main() -> None:
    args = _parser().parse_args()
    asyncio.run(run(args.quick, args.recipients, args.baseline, args.workers, args.pool))


if __name__ == "__main__":
    main()
