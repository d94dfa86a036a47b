"""Benchmark 8: create-campaign for a label of N customers on PostgreSQL (the audience copied
inside the database by one INSERT ... SELECT, never brought into the API process).

    python -m bench.campaign_create [--quick] [--customers N] [--runs R]

N customers (default 100,000) carry the label, 1% of them opted out of marketing; each run
creates one campaign of an approved MARKETING template for that label and times the request
end to end. Prints each run's seconds, the median, the recipients queued and skipped, the
API's PostgreSQL round trips per create (counted inside the server, `bench.counting`) and the
API process's CPU per create, and the best of three get-campaign calls (its counts read every
recipient).
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from typing import Any

import aiohttp
import orjson

from bench import common, counting

LIMIT = "10000000/minute"


async def _arrange(database_url: str, account_id: str, customers: int) -> str:
    """The customers, the label on all of them, 1% opted out, and the approved template."""
    from mumble.db import open_database
    from mumble.models import Template

    label_id = str(uuid.uuid4())
    await common.sql(
        database_url,
        common.customers_sql(account_id, customers),
        f"INSERT INTO label (id, account_id, name, created_at) "
        f"VALUES ('{label_id}', '{account_id}', 'VIP', now())",
        f"INSERT INTO customer_label (customer_id, label_id, created_at) "
        f"SELECT id, '{label_id}', now() FROM customer WHERE account_id = '{account_id}'",
        f"UPDATE customer SET marketing_consent = 'opted_out' "
        f"WHERE account_id = '{account_id}' AND (phone::bigint % 100) = 0",
        "VACUUM ANALYZE",
    )
    async with open_database(database_url):
        template = await Template.create(
            account_id=uuid.UUID(account_id),
            name="sale",
            language="en_US",
            category="MARKETING",
            status="APPROVED",
            body="Hi {{1}}, our sale starts now!",
            body_variables=1,
        )
    return str(template.id)


async def _create(url: str, key: str, template_id: str, run: int) -> tuple[float, dict[str, Any]]:
    payload = {
        "name": f"Sale {run}",
        "template_id": template_id,
        "labels": ["VIP"],
        "values": {"variables": [{"field": "name", "fallback": "there"}]},
    }
    headers = {"Mumble-Api-Key": key, "Content-Type": "application/json"}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as session:
        started = time.perf_counter()
        async with session.post(
            url + "/mumbleapi/create-campaign", data=orjson.dumps(payload), headers=headers
        ) as response:
            answer = orjson.loads(await response.read())
        seconds = time.perf_counter() - started
    if response.status != 200:
        raise SystemExit(f"create-campaign: {response.status} {answer}")
    return seconds, answer["campaign"]


async def _get(url: str, key: str, campaign_id: str) -> float:
    """Seconds of one get-campaign (the counts over every recipient)."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as session:
        started = time.perf_counter()
        async with session.get(
            url + "/mumbleapi/get-campaign",
            params={"campaign_id": campaign_id},
            headers={"Mumble-Api-Key": key},
        ) as response:
            await response.read()
        seconds = time.perf_counter() - started
    if response.status != 200:
        raise SystemExit(f"get-campaign: {response.status}")
    return seconds


async def run(quick: bool, customers: int | None, runs: int | None) -> None:
    customers = customers or (2_000 if quick else 100_000)
    runs = runs or (1 if quick else 3)
    async with common.bench_database() as db:
        tenant = await common.make_tenant(db, rate_limit=LIMIT)
        common.say(f"create-campaign: a label of {customers} customers, {runs} run(s)")
        template_id = await _arrange(db, tenant.account_id, customers)
        port = common.free_port()
        api = common.mumble_server(common.mumble_settings(db, port, rate_limit_per_ip=LIMIT), port)
        with common.running(api):
            await api.ready()
            counters = common.server_counters([api])
            times = []
            trips_before, cpu_before = counters.read(), api.cpu_seconds()
            campaign: dict[str, Any] = {}
            for number in range(1, runs + 1):
                seconds, campaign = await _create(api.url, tenant.key, template_id, number)
                times.append(seconds)
                common.say(f"  run {number}: {seconds:6.2f}s, {campaign['recipients']} recipients")
            cpu = api.cpu_seconds() - cpu_before
            trips = counting.per_request(trips_before, counters.read(), runs)
            get_seconds = min([await _get(api.url, tenant.key, campaign["id"]) for _ in range(3)])
        queued = await common.fetch_value(
            db,
            f"SELECT count(*) FROM campaign_recipient WHERE campaign_id = '{campaign['id']}' "
            "AND status = 'queued'",
        )
        skipped = await common.fetch_value(
            db,
            f"SELECT count(*) FROM campaign_recipient WHERE campaign_id = '{campaign['id']}' "
            "AND skip_reason = 'opted_out'",
        )
    if campaign.get("recipients") != customers or queued + skipped != customers:
        raise SystemExit(f"create-campaign stored {campaign.get('recipients')} of {customers}")
    common.report(
        "campaign-create",
        {
            "customers": customers,
            "runs": runs,
            "create_campaign_seconds": [round(t, 3) for t in times],
            "create_campaign_median_s": round(statistics.median(times), 3),
            "recipients_queued": queued,
            "recipients_skipped_opted_out": skipped,
            "create_campaign_server_cpu_s": round(cpu / runs, 3),
            "create_campaign_round_trips": trips["total"],
            "create_campaign_round_trips_detail": counting.describe(trips),
            "get_campaign_counts_s": round(get_seconds, 3),
        },
    )


def main() -> None:
    cli = common.parser(__doc__ or "")
    cli.add_argument("--customers", type=int, help="customers with the label (default 100,000)")
    cli.add_argument("--runs", type=int, help="campaigns created one after the other (default 3)")
    args = cli.parse_args()
    asyncio.run(run(args.quick, args.customers, args.runs))


if __name__ == "__main__":
    main()
