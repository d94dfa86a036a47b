"""The soak itself: customers write in, then thousands of sends under faults and two kill -9s,
then the sweep and the event queue settle, then the figures are computed."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

from mumble.db import open_database
from mumble.events.outbox import EVENT_TYPES
from mumble.messages.sweep import SWEPT_REASON
from mumble.models import Event, Message, WebhookDelivery
from tests.soak import figures
from tests.soak.client import TIMEOUT_SECONDS, Client
from tests.soak.receiver import SoakReceiver
from tests.soak.stack import PHONE_NUMBER_ID, SEND_LEASE_SECONDS, Stack, soak_stack

log = logging.getLogger("soak")

# 10% of sends faulted at Meta: half a 500 (not retried by Mumble, the key is released, the
# client retries), half a permanent Graph refusal (stored failed, replayed to a retry).
# The others take META_LATENCY seconds at Meta, so a kill -9 finds sends between "accepted"
# and Meta's answer (the sandbox still completes a send whose caller died, as Meta would).
META_LATENCY = 0.2
META_FAULTS: tuple[dict[str, Any], ...] = (
    {"target": "messages", "count": None, "probability": 0.05, "http_status": 500},
    {"target": "messages", "count": None, "probability": 0.05 / 0.95, "error_code": 131026},
    {"target": "messages", "count": None, "latency": META_LATENCY},
)
# Status webhook batches (sent, delivered, read of one send): a tenth duplicated, a tenth of
# the rest reordered (read first).
WEBHOOK_FAULTS: tuple[dict[str, Any], ...] = (
    {"count": None, "probability": 0.1, "webhook": "duplicate"},
    {"count": None, "probability": 0.1 / 0.9, "webhook": "reorder"},
)
CONCURRENCY = 12
INBOUND_CONCURRENCY = 6
# New sends start for at most this long (fewer than plan.sends on a slow or busy machine: the
# run is bounded; the figures hold for whatever was sent).
SEND_SECONDS = 100.0
KILL_API_AT = 0.35  # share of the send phase (sends or seconds) when API process B is killed
KILL_WORKER_AT = 0.65
DOWN_SECONDS = 1.0
# Before API process B is killed, this many sends are held this long at Meta (about half of
# them are B's: the client alternates processes).
HELD_SENDS = 10
HOLD_SECONDS = 3.0
# Past the last send, a row left `accepted` is swept within a lease and a quarter of one.
SETTLE_SECONDS = SEND_LEASE_SECONDS * 1.25 + 60
QUIET_SECONDS = 1.5  # after settling: a late duplicate would arrive now


@dataclasses.dataclass(frozen=True)
class Plan:
    sends: int
    customers: int
    seed: int


@dataclasses.dataclass
class Report:
    figures: figures.Figures
    lines: list[str]


def phone(n: int) -> str:
    return f"4477{n:08d}"


async def _inbound(stack: Stack, plan: Plan) -> None:
    """Every customer writes in once (their windows open); each webhook answered 200."""
    gate = asyncio.Semaphore(INBOUND_CONCURRENCY)

    async def one(n: int) -> None:
        async with gate:
            response = await stack.control.post(
                "/_sandbox/inbound",
                json={"phone_number_id": PHONE_NUMBER_ID, "from": phone(n), "text": f"hi {n}"},
            )
        assert response.status_code == 200, response.text
        assert response.json()["delivery"] == [200], response.text

    await asyncio.gather(*(one(n) for n in range(plan.customers)))


async def _faults(stack: Stack, *first: dict[str, Any]) -> None:
    """Install the faults (`first` ahead of them: the sandbox applies the first that matches)."""
    for fault in (*first, *META_FAULTS, *WEBHOOK_FAULTS):
        response = await stack.control.post("/_sandbox/faults", json=fault)
        assert response.status_code == 200, response.text


async def _hold_at_meta(stack: Stack) -> None:
    """Make the next HELD_SENDS sends wait HOLD_SECONDS at Meta, and return once they all are
    there: a kill -9 now finds sends between "accepted" and Meta's answer (Meta completes
    them; the crash sweep must find out from their status webhooks)."""
    await stack.control.delete("/_sandbox/faults")
    await _faults(stack, {"target": "messages", "count": HELD_SENDS, "latency": HOLD_SECONDS})
    deadline = time.monotonic() + 20
    while (await stack.control.get("/_sandbox/faults")).json()["data"][0]["count"] > 0:
        if time.monotonic() > deadline:
            return  # a slow phase: kill anyway
        await asyncio.sleep(0.02)


async def _sends(client: Client, stack: Stack, plan: Plan, chaos: list[str]) -> int:
    """Up to plan.sends sends, CONCURRENCY at a time, for at most SEND_SECONDS; API process B
    and then the worker are killed (kill -9) and restarted on the way. Returns how many."""
    started = time.monotonic()
    issued = done = 0

    async def sender() -> None:
        nonlocal issued, done
        while issued < plan.sends and time.monotonic() - started < SEND_SECONDS:
            n, issued = issued, issued + 1
            key = f"soak-{plan.seed}-{n}"
            await client.send(phone(n % plan.customers), f"soak {n} {key}", key)
            done += 1

    async def until(share: float) -> None:
        while (  # noqa: ASYNC110
            done < share * plan.sends and time.monotonic() - started < share * SEND_SECONDS
        ):
            await asyncio.sleep(0.05)

    async def chaos_monkey() -> None:
        await until(KILL_API_AT)
        await _hold_at_meta(stack)
        chaos.append(f"kill -9 api-b after {done} sends, {HELD_SENDS} held at Meta")
        await stack.apis[1].kill()
        await asyncio.sleep(DOWN_SECONDS)
        await stack.apis[1].start()
        await until(KILL_WORKER_AT)
        chaos.append(f"kill -9 worker after {done} sends")
        await stack.worker.kill()
        await asyncio.sleep(DOWN_SECONDS)
        await stack.worker.start()

    await asyncio.gather(chaos_monkey(), *(sender() for _ in range(CONCURRENCY)))
    return done


async def _due_event_ids(endpoint_id: str) -> list[str]:
    seqs = await WebhookDelivery.filter(endpoint_id=endpoint_id).values_list("event_seq", flat=True)
    ids = await Event.filter(seq__in=list(seqs)).values_list("id", flat=True)
    return [str(event_id) for event_id in ids]


async def _settled(stack: Stack, endpoint_id: str, receiver: SoakReceiver) -> bool:
    accepted = await Message.filter(account_id=stack.account_id, status="accepted").count()
    waiting = await WebhookDelivery.filter(endpoint_id=endpoint_id).exclude(status="delivered")
    if accepted or waiting:
        return False
    return set(await _due_event_ids(endpoint_id)) <= set(receiver.processed)


async def _stored(account_id: str) -> list[figures.Stored]:
    rows = await Message.filter(account_id=account_id, direction="outbound").values(
        "id", "wamid", "status", "text"
    )
    return [
        figures.Stored(int(r["id"]), r["wamid"], str(r["status"]), str(r["text"])) for r in rows
    ]


async def _at_meta(stack: Stack) -> list[figures.AtMeta]:
    sent = (await stack.control.get("/_sandbox/messages")).json()["data"]
    return [figures.AtMeta(str(m["id"]), str(m["payload"]["text"]["body"])) for m in sent]


async def _meta_line(stack: Stack, accepted: int) -> str:
    """What the sandbox saw: send calls, how many its faults refused, status webhooks posted."""
    calls = (await stack.control.get("/_sandbox/requests")).json()["data"]
    sends = sum(c["target"] == "messages" and c["method"] == "POST" for c in calls)
    hooks = (await stack.control.get("/_sandbox/webhooks")).json()["data"]
    statuses = sum("statuses" in h["body"]["entry"][0]["changes"][0]["value"] for h in hooks)
    refused = sends - accepted
    return (
        f"  meta: {sends} send calls, {refused} refused by a fault ({refused / max(1, sends):.1%}),"
        f" {accepted} accepted; {statuses} status webhooks posted"
    )


async def run(plan: Plan, server_url: str, redis_url: str, log_dir: Path) -> Report:
    """The whole soak; raises TimeoutError past the caller's deadline."""
    started = time.monotonic()
    lines: list[str] = []
    chaos: list[str] = []

    def mark(what: str) -> None:
        lines.append(f"  {time.monotonic() - started:6.1f}s {what}")

    receiver = SoakReceiver(plan.seed)
    async with (
        receiver.running(),
        soak_stack(server_url, redis_url, log_dir) as stack,
        httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as http,
        open_database(stack.database_url),
    ):
        try:
            mark("stack up")
            client = Client(http, stack.bases, stack.key)
            hook = await client.call(
                "POST", "/mumbleapi/add-webhook",
                json={"url": receiver.url, "events": sorted(EVENT_TYPES)},
            )  # fmt: skip
            assert hook.status_code == 200, hook.text
            endpoint_id = hook.json()["webhook"]["id"]
            receiver.secret = hook.json()["secret"]
            await _inbound(stack, plan)
            mark(f"{plan.customers} customers wrote in")
            await _faults(stack)
            sends = await _sends(client, stack, plan, chaos)
            mark(f"{sends} sends done ({'; '.join(chaos)})")
            await stack.control.post("/_sandbox/flush")
            deadline = time.monotonic() + SETTLE_SECONDS
            while not await _settled(stack, endpoint_id, receiver):
                if time.monotonic() > deadline:
                    mark("NOT settled: figures as they stand")
                    break
                await asyncio.sleep(0.5)
            else:
                mark("swept and every event delivered")
            await asyncio.sleep(QUIET_SECONDS)
            stored = await _stored(stack.account_id)
            at_meta = await _at_meta(stack)
            meta_line = await _meta_line(stack, len(at_meta))
            swept = await Message.filter(
                account_id=stack.account_id, error_message=SWEPT_REASON
            ).count()
            result = figures.compute(
                answered=client.outcomes.answered,
                stored=stored,
                at_meta=at_meta,
                due=await _due_event_ids(endpoint_id),
                processed=receiver.processed,
            )
        except BaseException:
            for process in stack.processes():
                print(f"===== {process.name}\n{process.tail()}")
            raise
    # What the receiver processed, for reading a failed figure.
    (log_dir / "processed.json").write_bytes(orjson.dumps(receiver.processed))
    out = client.outcomes
    lines += [
        f"  client: {len(out.answered)} answered 200 ({out.replayed} replayed), "
        f"{len(out.refused)} refused, {len(out.gave_up)} gave up; answers {dict(out.seen)}",
        meta_line,
        f"  stored: {len(stored)} outbound, by status "
        f"{dict(sorted(_count(r.status for r in stored).items()))}, {swept} failed by the sweep",
        f"  receiver: {receiver.requests} requests, {len(receiver.processed)} processed, "
        f"{len(receiver.failed)} failed once, {receiver.redelivered} redeliveries of a processed "
        f"id, {receiver.bad_signatures} bad signatures",
    ]
    return Report(result, lines)


def _count(items: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return counts
