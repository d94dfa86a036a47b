"""Scale-out: two `mumble serve` API processes and one `mumble worker` on one database and Redis.

One client alternates between the two API processes (failing over when one is down, as a load
balancer would). The messaging limit holds across both, every admitted message is stored and
reaches the Cloud API (the sandbox) once, every customer message lands once, and the one worker
delivers every event to a real receiver exactly once, also across a kill -9 and restart of an
API process. The same test runs on SQLite (one file shared by every process, one worker by rule)
and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import orjson

from mumble.db import open_database
from mumble.events.outbox import EVENT_TYPES
from mumble.models import Event, Message, WebhookDelivery
from mumble.whatsapp.signature import HEADER, sign
from tests.database import is_postgres, truncate_all
from tests.scaleout.scenario import (
    APP_SECRET,
    CUSTOMERS,
    PHONE_NUMBER_ID,
    SEND,
    Stack,
    scale_out_stack,
)
from tests.webhooks.receiver import Receiver

# The whole test, processes included, must finish well inside two minutes.
TEST_SECONDS = 100
BURST = 12
MESSAGING_LIMIT = 5
LIMIT_MESSAGE = "Rate limit exceeded: messaging limit of 5 per 1 second reached, retry in 1 second"
# Sequential sends this far apart stay under 5 per second (a 429 is waited out anyway).
PACE_SECONDS = 0.25


class Client:
    """Alternates between the API processes; a process that does not answer is skipped."""

    def __init__(self, http: httpx.AsyncClient, stack: Stack) -> None:
        self.http = http
        self.stack = stack
        self.turn = 0
        self.failovers = 0
        self.admitted: dict[str, str] = {}  # wamid -> text
        self.served_by: Counter[str] = Counter()

    def _order(self) -> list[str]:
        bases = [api.base for api in self.stack.apis]
        first = self.turn % len(bases)
        self.turn += 1
        return bases[first:] + bases[:first]

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The request on the next process in turn, on the other one if it is down."""
        headers = {"Mumble-Api-Key": self.stack.key, **kwargs.pop("headers", {})}
        for n, base in enumerate(self._order()):
            try:
                response = await self.http.request(method, base + path, headers=headers, **kwargs)
            except httpx.TransportError:
                continue
            self.failovers += n
            self.served_by[base] += 1
            return response
        raise AssertionError(f"no API process answered {path}")

    async def send(self, phone: str, text: str, *, key: str | None = None) -> httpx.Response:
        """send-text-message with an Idempotency-Key (safe to retry); waits out a 429."""
        key = key or str(uuid.uuid4())
        while True:
            response = await self.call(
                "POST",
                SEND,
                json={"customer_phone": phone, "text": text},
                headers={"Idempotency-Key": key},
            )
            if response.status_code != 429:
                break
            await asyncio.sleep(max(0.0, int(response.headers["X-RateLimit-Reset"]) - time.time()))
        assert response.status_code == 200, response.text
        self.admitted[response.json()["message_wa_id"]] = text
        return response

    async def conversation(self, phone: str) -> list[dict[str, Any]]:
        """Every message of a customer's conversation, all pages."""
        messages: list[dict[str, Any]] = []
        page = 1
        while True:
            response = await self.call(
                "GET", "/mumbleapi/get-conversation", params={"customer_phone": phone, "page": page}
            )
            assert response.status_code == 200, response.text
            body = response.json()
            messages += body["messages"]
            if page >= body["pages"]:
                return messages
            page += 1


async def _inbound(stack: Stack, phone: str, text: str) -> str:
    """A customer writes in through the sandbox; the signed webhook was accepted (200)."""
    response = await stack.control.post(
        "/_sandbox/inbound", json={"phone_number_id": PHONE_NUMBER_ID, "from": phone, "text": text}
    )
    assert response.status_code == 200, response.text
    assert response.json()["delivery"] == [200]
    return str(response.json()["id"])


async def _redelivered_to_both(client: Client, stack: Stack) -> str:
    """One customer message whose signed webhook arrives 3 times at each process concurrently
    (Meta delivers at least once); all are answered 200 and it must land once."""
    await stack.control.post("/_sandbox/config", json={"webhook_url": ""})
    held = await stack.control.post(
        "/_sandbox/inbound",
        json={"phone_number_id": PHONE_NUMBER_ID, "from": CUSTOMERS[1], "text": "said twice"},
    )
    assert held.json()["delivery"] == [None]
    body = orjson.dumps(held.json()["envelope"])
    headers = {HEADER: sign(body, APP_SECRET), "Content-Type": "application/json"}
    answers = await asyncio.gather(
        *(
            client.http.post(api.base + "/webhooks/whatsapp", content=body, headers=headers)
            for _ in range(3)
            for api in stack.apis
        )
    )
    assert [answer.status_code for answer in answers] == [200] * 6
    return str(held.json()["id"])


async def _burst(client: Client, phone: str, attempt: int) -> list[httpx.Response]:
    """BURST sends at once, alternating processes, fired just after a one-second window opens."""
    await asyncio.sleep(1 - time.time() % 1 + 0.02)
    bases = [api.base for api in client.stack.apis]
    return await asyncio.gather(
        *(
            client.http.post(
                bases[n % 2] + SEND,
                json={"customer_phone": phone, "text": f"burst {attempt}.{n}"},
                headers={"Mumble-Api-Key": client.stack.key},
            )
            for n in range(BURST)
        )
    )


async def _limit_holds_across_both(client: Client, phone: str) -> int:
    """Exactly 5 of BURST concurrent sends are admitted in one second across both processes;
    returns how many the bursts admitted in all (a burst straddling two windows is fired
    again, and what it sent counts too)."""
    for attempt in range(3):
        responses = await _burst(client, phone, attempt)
        by_window: dict[int, Counter[int]] = {}
        for response in responses:
            window = int(response.headers["X-RateLimit-Reset"])
            by_window.setdefault(window, Counter())[response.status_code] += 1
            if response.status_code == 200:
                text = orjson.loads(response.request.content)["text"]
                client.admitted[response.json()["message_wa_id"]] = text
            else:
                assert response.status_code == 429, response.text
                assert response.json() == {"error": True, "message": LIMIT_MESSAGE}
                assert response.headers["Retry-After"] == "1"
        # Never more than the limit in any one window, whichever process counted it.
        assert all(counts[200] <= MESSAGING_LIMIT for counts in by_window.values()), by_window
        if len(by_window) == 1:
            (counts,) = by_window.values()
            assert counts == Counter({200: MESSAGING_LIMIT, 429: BURST - MESSAGING_LIMIT})
            return len(client.admitted)
        # The burst straddled two windows on a busy machine: fire it again.
    raise AssertionError("three bursts in a row straddled a window edge")


async def _all_delivered(endpoint_id: str, account_id: str, receiver: Receiver) -> bool:
    events = await Event.filter(account_id=account_id).count()
    delivered = await WebhookDelivery.filter(endpoint_id=endpoint_id, status="delivered").count()
    return events == delivered == len(receiver.received)


async def _until(check: Any, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


async def test_two_api_processes_and_one_worker_lose_and_duplicate_nothing(
    database_url: str, tmp_path: Path
) -> None:
    if is_postgres(database_url):
        # The session's PostgreSQL database is shared: start from empty tables.
        async with open_database(database_url):
            await truncate_all()
    async with (
        asyncio.timeout(TEST_SECONDS),
        Receiver().running() as receiver,
        scale_out_stack(database_url, tmp_path) as stack,
        httpx.AsyncClient(timeout=20, limits=httpx.Limits(max_keepalive_connections=0)) as http,
    ):
        client = Client(http, stack)
        hook = await client.call(
            "POST",
            "/mumbleapi/add-webhook",
            json={"url": receiver.url, "events": sorted(EVENT_TYPES)},
        )
        assert hook.status_code == 200, hook.text
        endpoint_id = hook.json()["webhook"]["id"]

        # Customers write in (through process A): their windows open.
        inbound = [await _inbound(stack, phone, f"hello from {phone}") for phone in CUSTOMERS]

        # (1) The messaging limit is shared by both processes.
        burst_admitted = await _limit_holds_across_both(client, CUSTOMERS[0])

        # (2) Paced sends, alternating processes; one retried on the other process replays.
        first = await client.send(CUSTOMERS[0], "paced 0", key="retry-me")
        for n in range(1, 4):
            await asyncio.sleep(PACE_SECONDS)
            await client.send(CUSTOMERS[n % 2], f"paced {n}")
        replay = await client.send(CUSTOMERS[0], "paced 0", key="retry-me")
        assert replay.headers["Idempotent-Replayed"] == "true"
        assert replay.json() == first.json()

        # (3) Process B dies (kill -9); the client fails over to A, customers keep writing.
        await stack.apis[1].kill()
        for n in range(4, 8):
            await asyncio.sleep(PACE_SECONDS)
            await client.send(CUSTOMERS[n % 2], f"paced {n}")
        inbound += [await _inbound(stack, phone, f"still there {phone}") for phone in CUSTOMERS]
        assert client.failovers >= 2

        # (4) B is back on its port. Meta redelivers a webhook to both processes at once.
        await stack.apis[1].start()
        await stack.control.post("/_sandbox/flush")
        inbound.append(await _redelivered_to_both(client, stack))
        # The sandbox now posts Meta's webhooks to B.
        configured = await stack.control.post(
            "/_sandbox/config", json={"webhook_url": stack.apis[1].base + "/webhooks/whatsapp"}
        )
        assert configured.status_code == 200
        for n in range(8, 12):
            await asyncio.sleep(PACE_SECONDS)
            await client.send(CUSTOMERS[n % 2], f"paced {n}")
        inbound += [await _inbound(stack, phone, f"via B {phone}") for phone in CUSTOMERS]
        await stack.control.post("/_sandbox/flush")
        assert all(client.served_by[api.base] > 0 for api in stack.apis)

        # Every webhook Meta (the sandbox) posted, statuses included, was taken (200).
        posted = (await stack.control.get("/_sandbox/webhooks")).json()["data"]
        outcomes = Counter((hook["outcome"], hook["status"]) for hook in posted)
        # All delivered and taken, but the one the test redelivered itself.
        assert outcomes == {("delivered", 200): len(posted) - 1, ("no webhook url", None): 1}
        # Every admitted message reached Meta once, none that was refused.
        sandbox_sent = (await stack.control.get("/_sandbox/messages")).json()["data"]
        assert Counter(m["id"] for m in sandbox_sent) == Counter(set(client.admitted))
        assert len(client.admitted) == burst_admitted + 12
        # Every message is in its conversation once, as either process shows it.
        for phone in CUSTOMERS:
            texts = Counter(m["text"] for m in await client.conversation(phone))
            assert set(texts.values()) == {1}, texts
        seen = set()
        for phone in CUSTOMERS:
            seen |= {m["text"] for m in await client.conversation(phone)}
        assert set(client.admitted.values()) <= seen
        assert {f"hello from {p}" for p in CUSTOMERS} | {f"via B {p}" for p in CUSTOMERS} <= seen

        async with open_database(database_url):
            account_id = stack.account_id
            outbound = await Message.filter(
                account_id=account_id, direction="outbound"
            ).values_list("wamid", flat=True)
            assert Counter(outbound) == Counter(set(client.admitted))
            received = await Message.filter(account_id=account_id, direction="inbound").values_list(
                "wamid", flat=True
            )
            assert Counter(received) == Counter(set(inbound))
            assert len(inbound) == 7

            # (5) The one worker delivered every event exactly once.
            await _until(
                lambda: _all_delivered(endpoint_id, account_id, receiver), "every delivery"
            )
            await asyncio.sleep(1.5)  # past a worker poll: a duplicate would arrive now
            event_ids = await Event.filter(account_id=account_id).values_list("id", flat=True)
        delivered = Counter(payload["id"] for payload in receiver.payloads)
        assert delivered == Counter(str(event_id) for event_id in event_ids)
        for process in (*(api.process for api in stack.apis), stack.worker):
            assert "Traceback" not in process.log.read_text(), process.tail()
        types = Counter(payload["type"] for payload in receiver.payloads)
        assert types["message.received"] == len(inbound)
        assert types["message.sent"] == len(client.admitted)
        assert types["customer.created"] == len(CUSTOMERS)
