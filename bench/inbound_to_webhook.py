"""Benchmark 6: latency from a customer's message arriving on /webhooks/whatsapp to the
integrator's `message.received` webhook, at a steady inbound rate.

The bench plays Meta (signed POSTs at a fixed rate, open loop) and the integrator (a real
aiohttp receiver on 127.0.0.1 registered with add-webhook). The delivery worker runs inside
`mumble serve` with its default poll interval (MUMBLE_WEBHOOK_POLL_SECONDS=1). The baseline,
measured in the same run, is the inbound POST itself (until Mumble answered 200: the event
cannot leave before the message is stored); round trips are counted per inbound message.

    python -m bench.inbound_to_webhook [--quick] [--duration S] [--rate R]
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import aiohttp
import orjson
from aiohttp import web

from bench import common, counting
from mumble.cli.server import DEMO_CHANNEL
from mumble.whatsapp.payloads import messages_value, webhook_envelope

POLL_SECONDS = 1


def _inbound(url: str, n: int, customers: int) -> common.Request:
    """Inbound text number n, from one of `customers` customers (new ones are created)."""
    sender = common.phone(n % customers + 1)
    message = {
        "from": sender,
        "id": f"wamid.inbound.{n}",
        "timestamp": str(int(time.time())),
        "type": "text",
        "text": {"body": f"Hi, question #{n}"},
    }
    value = messages_value(
        str(DEMO_CHANNEL.phone_number_id),
        str(DEMO_CHANNEL.display_phone),
        contacts=[{"profile": {"name": f"Customer {sender}"}, "wa_id": sender}],
        messages=[message],
    )
    return common.signed_webhook(
        webhook_envelope(str(DEMO_CHANNEL.waba_id), "messages", value), url
    )


class Receiver:
    """The integrator's endpoint: notes when each message's event arrived."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.port = common.free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.runner: web.AppRunner | None = None
        self.expected = 0
        self.all_arrived = asyncio.Event()

    async def _hook(self, request: web.Request) -> web.Response:
        event = orjson.loads(await request.read())
        if event.get("type") == "message.received":
            self.arrived.setdefault(event["data"]["message_wa_id"], time.perf_counter())
            if self.expected and len(self.arrived) >= self.expected:
                self.all_arrived.set()
        return web.Response(text="ok")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self._hook)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


async def run(quick: bool, duration: float | None, rate: float | None) -> None:
    seconds = duration or (2.0 if quick else 30.0)
    per_second = rate or (10.0 if quick else 50.0)
    customers = 50 if quick else 1_000
    receiver = Receiver()
    await receiver.start()
    try:
        async with common.bench_database() as db:
            tenant = await common.make_tenant(db, channel=True)
            port = common.free_port()
            settings = common.mumble_settings(
                db, port, run_worker="true", webhook_poll_seconds=POLL_SECONDS
            )
            api = common.mumble_server(settings, port)
            with common.running(api):
                await api.ready()
                counters = common.server_counters([api])
                await common.post_json(
                    api.url + "/mumbleapi/add-webhook",
                    {"url": receiver.url, "events": ["message.received"]},
                    headers={"Mumble-Api-Key": tenant.key},
                )
                common.say(f"{per_second}/s inbound messages for {seconds}s")
                trips_before = counters.read()
                sent, answered = await _send_steadily(
                    api.url + "/webhooks/whatsapp", per_second, seconds, customers
                )
                receiver.expected = len(sent)
                if len(receiver.arrived) >= len(sent):
                    receiver.all_arrived.set()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(receiver.all_arrived.wait(), 15)
                # Let the last outcomes be recorded before the counters are read.
                await asyncio.sleep(0.5)
                trips = counting.per_request(trips_before, counters.read(), len(sent))
                _, peak = api.memory()
    finally:
        await receiver.stop()
    latencies = [receiver.arrived[w] - t for w, t in sent.items() if w in receiver.arrived]
    stored = common.percentile(answered, 99) * 1000
    common.report(
        "inbound-to-webhook",
        {
            "inbound_rate_per_s": per_second,
            "seconds": seconds,
            "worker_poll_seconds": POLL_SECONDS,
            "sent": len(sent),
            "delivered": len(latencies),
            "latency_p50_ms": round(common.percentile(latencies, 50) * 1000, 1),
            "latency_p99_ms": round(common.percentile(latencies, 99) * 1000, 1),
            "latency_max_ms": round(max(latencies, default=0) * 1000, 1),
            "p50_vs_poll_interval": round(common.percentile(latencies, 50) / POLL_SECONDS, 2),
            "inbound_post_p50_ms": round(common.percentile(answered, 50) * 1000, 1),
            "inbound_post_p99_ms": round(stored, 1),
            "latency_p99_ratio_vs_inbound_post_p99": common.ratio(
                common.percentile(latencies, 99) * 1000, stored
            ),
            "round_trips_per_message": trips["total"],
            "round_trips_detail": counting.describe(trips),
            "api_peak_rss_mib": round(peak, 1),
        },
    )


async def _send_steadily(
    url: str, per_second: float, seconds: float, customers: int
) -> tuple[dict[str, float], list[float]]:
    """POST one inbound message every 1/rate seconds (not waiting for answers): wamid -> sent
    at, and how long each POST took to be answered."""
    sent: dict[str, float] = {}
    answered: list[float] = []
    total = int(per_second * seconds)
    start = time.perf_counter()
    async with aiohttp.ClientSession() as session:

        async def post(n: int) -> None:
            _, target, headers, body = _inbound(url, n, customers)
            sent[f"wamid.inbound.{n}"] = time.perf_counter()
            async with session.post(target, headers=headers, data=body) as resp:
                await resp.read()
                answered.append(time.perf_counter() - sent[f"wamid.inbound.{n}"])
                if resp.status != 200:
                    raise SystemExit(f"inbound webhook answered {resp.status}")

        tasks = []
        for n in range(total):
            delay = start + n / per_second - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(post(n)))
        await asyncio.gather(*tasks)
    return sent, answered


def main() -> None:
    cli = common.parser(__doc__ or "")
    cli.add_argument("--rate", type=float, help="inbound messages per second")
    args = cli.parse_args()
    asyncio.run(run(args.quick, args.duration, args.rate))


if __name__ == "__main__":
    main()
