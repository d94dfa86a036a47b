"""kill -9 of a `mumble serve` between "accepted" and Meta's answer, then the sweep.

Real processes: the sandbox on its own (it outlives the API, as Meta does) and `mumble serve`.
The sandbox holds its answer to five sends (a latency fault): three it then accepts, two it
refuses. The API is killed while all five wait. Meta's status webhooks for the three find no
server; Meta retries them, which the test does from the sandbox's webhook log once the API is
back. The API restarted with a short send lease sweeps at start-up; every key is then retried.
After it: 0 lost, 0 sent twice, 0 stuck `accepted`, 0 keys in progress.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

from mumble.db import open_database
from mumble.messages.sweep import SWEPT_REASON
from mumble.models import IdempotencyRecord, Message
from mumble.whatsapp.signature import HEADER, sign
from tests.database import is_postgres, truncate_all
from tests.scaleout.stack import Process, cli_json, free_port, mumble_env, run_cli

PHONE_NUMBER_ID = "100000000000555"
WABA_ID = "200000000000555"
CUSTOMER = "972501234567"
APP_SECRET = "crash-app-secret"
SENDS = 5
ACCEPTED_BY_META = 3
LATENCY_SECONDS = 3.0


async def _until(check: Any, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def _post_messages(control: httpx.AsyncClient) -> int:
    log = (await control.get("/_sandbox/requests")).json()["data"]
    return sum(1 for r in log if r["method"] == "POST" and r["path"].endswith("/messages"))


async def _redeliver_failed_webhooks(control: httpx.AsyncClient, webhook_url: str) -> int:
    """What Meta does for a webhook our server did not answer: send it again, signed."""
    hooks = (await control.get("/_sandbox/webhooks")).json()["data"]
    failed = [hook["body"] for hook in hooks if hook["status"] != 200]
    async with httpx.AsyncClient(timeout=10) as http:
        for body in failed:
            raw = orjson.dumps(body)
            response = await http.post(
                webhook_url,
                content=raw,
                headers={"Content-Type": "application/json", HEADER: sign(raw, APP_SECRET)},
            )
            assert response.status_code == 200, response.text
    return len(failed)


def _api(port: int, env: dict[str, str], log_dir: Path, lease: int, n: int) -> Process:
    return Process(
        f"api-{n}",
        ["serve", "--port", str(port)],
        env | {"MUMBLE_SEND_LEASE_SECONDS": str(lease)},
        log_dir,
        ready_url=f"http://127.0.0.1:{port}/healthz",
    )


async def test_kill_9_between_accepted_and_metas_answer_then_the_sweep_loses_nothing(
    database_url: str, tmp_path: Path
) -> None:
    if is_postgres(database_url):
        async with open_database(database_url):
            await truncate_all()
    sandbox_port, api_port = free_port(), free_port()
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    api_url = f"http://127.0.0.1:{api_port}"
    env = mumble_env(
        database_url=database_url,
        whatsapp_api_url=sandbox_url,
        whatsapp_app_secret=APP_SECRET,
        whatsapp_verify_token="crash-verify",
        allow_private_urls="true",
        template_sync_seconds="0",
        migrate_on_start="false",
        log_level="warning",
    )
    assert "migrations applied" in await run_cli(env, "migrate")
    account = await cli_json(
        env, "account", "create", "Crash", "--phone-number-id", PHONE_NUMBER_ID,
        "--waba-id", WABA_ID, "--access-token", "EAAcrash",
    )  # fmt: skip
    key = (await cli_json(env, "key", "create", "--account", account["id"]))["key"]
    sandbox = Process(
        "sandbox",
        ["sandbox", "--port", str(sandbox_port), "--webhook-url", f"{api_url}/webhooks/whatsapp"],
        env,
        tmp_path,
        ready_url=f"{sandbox_url}/_sandbox/health",
    )
    # Within this lease nothing is stale, so the first restart's sweep leaves the sends alone.
    first, second = _api(api_port, env, tmp_path, 600, 1), _api(api_port, env, tmp_path, 600, 2)
    third = _api(api_port, env, tmp_path, 1, 3)
    processes = (sandbox, first, second, third)
    headers = {"Mumble-Api-Key": str(key)}
    try:
        async with (
            httpx.AsyncClient(base_url=sandbox_url, timeout=20) as control,
            httpx.AsyncClient(base_url=api_url, timeout=30) as api,
        ):
            await sandbox.start()
            channel = {"phone_number_id": PHONE_NUMBER_ID, "waba_id": WABA_ID}
            assert (await control.post("/_sandbox/channels", json=channel)).status_code == 200
            await first.start()
            inbound = {"phone_number_id": PHONE_NUMBER_ID, "from": CUSTOMER, "text": "hi"}
            assert (await control.post("/_sandbox/inbound", json=inbound)).json()["delivery"] == [
                200
            ]
            for fault in (
                {"target": "messages", "latency": LATENCY_SECONDS, "count": ACCEPTED_BY_META},
                {
                    "target": "messages",
                    "latency": LATENCY_SECONDS,
                    "error_code": 131000,
                    "count": SENDS - ACCEPTED_BY_META,
                },
            ):
                assert (await control.post("/_sandbox/faults", json=fault)).status_code == 200

            async def send(n: int) -> httpx.Response:
                return await api.post(
                    "/mumbleapi/send-text-message",
                    json={"customer_phone": CUSTOMER, "text": f"crash {n}"},
                    headers={**headers, "Idempotency-Key": f"crash-{n}"},
                )

            pending = [asyncio.create_task(send(n)) for n in range(SENDS)]
            # Every send reached Meta, so each is committed `accepted`: now the process dies.
            await _until(lambda: _is(control, SENDS))
            await first.kill()
            for task in pending:
                with contextlib.suppress(httpx.HTTPError):
                    await task
            await _until(lambda: _accepted_by_meta(control))
            meta = await _meta_messages(control)
            assert len(meta) == ACCEPTED_BY_META

            await second.start()
            redelivered = await _redeliver_failed_webhooks(control, f"{api_url}/webhooks/whatsapp")
            assert redelivered >= ACCEPTED_BY_META
            await second.stop()
            await third.start()  # its start-up sweep resolves the five

            retries = [await send(n) for n in range(SENDS)]
            assert [r.status_code for r in retries] == [200] * SENDS, [r.text for r in retries]
            replayed = [r.headers.get("Idempotent-Replayed") == "true" for r in retries]
            assert sum(replayed) == ACCEPTED_BY_META
            meta = await _meta_messages(control)
    except BaseException:
        for process in processes:
            print(f"===== {process.name}\n{process.tail()}")
        raise
    finally:
        await asyncio.gather(*(p.stop() for p in processes), return_exceptions=True)

    texts = [m["payload"]["text"]["body"] for m in meta]
    assert sorted(texts) == sorted(f"crash {n}" for n in range(SENDS))  # each sent once
    async with open_database(database_url):
        outbound = await Message.filter(direction="outbound").order_by("id")
        in_progress = await IdempotencyRecord.filter(status_code__isnull=True).count()
    assert [m for m in outbound if m.status == "accepted"] == []  # 0 stuck
    assert in_progress == 0
    sent = {m.wamid: m.text for m in outbound if m.wamid is not None}
    assert sent == {m["id"]: m["payload"]["text"]["body"] for m in meta}  # 0 lost
    swept = [m.text for m in outbound if m.error_message == SWEPT_REASON]
    assert len(swept) == SENDS - ACCEPTED_BY_META
    assert len(outbound) == SENDS + len(swept)


async def _is(control: httpx.AsyncClient, count: int) -> bool:
    return await _post_messages(control) >= count


async def _meta_messages(control: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await control.get("/_sandbox/messages", params={"phone_number_id": PHONE_NUMBER_ID})
    data: list[dict[str, Any]] = response.json()["data"]
    return data


async def _accepted_by_meta(control: httpx.AsyncClient) -> bool:
    hooks = (await control.get("/_sandbox/webhooks")).json()["data"]
    statuses = [
        s
        for hook in hooks
        for entry in hook["body"]["entry"]
        for change in entry["changes"]
        for s in change["value"].get("statuses", [])
    ]
    return len({s["id"] for s in statuses}) >= ACCEPTED_BY_META
