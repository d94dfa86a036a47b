"""`mumble worker` exports its delivery metrics on MUMBLE_WORKER_METRICS_PORT; `mumble sandbox`
writes the same JSON access lines as the API (real subprocesses)."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import sys
from pathlib import Path

import httpx
import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families

from mumble.models import WebhookDelivery
from mumble.settings import Settings
from tests.conftest import Tenant
from tests.observability.test_serve import _free_port, _until, _wait_until_up
from tests.webhooks.conftest import add_webhook
from tests.webhooks.receiver import Receiver


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The worker under test is the subprocess, never one inside the test app.
    return dataclasses.replace(settings, run_worker=False)


async def _mumble(*args: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "mumble",
        *args,
        env={k: v for k, v in os.environ.items() if not k.startswith("MUMBLE_")} | env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_worker_serves_its_delivery_counts_on_the_metrics_port(
    client: httpx.AsyncClient, tenant: Tenant, settings: Settings
) -> None:
    port = _free_port()
    async with Receiver().running() as receiver:
        await add_webhook(client, tenant.headers, receiver.url, ["customer.created"])
        added = await client.post(
            "/mumbleapi/add-new-customer",
            headers=tenant.headers,
            json={"customer_phone": "972501234567"},
        )
        assert added.status_code == 200
        proc = await _mumble(
            "worker",
            env={
                "MUMBLE_DATABASE_URL": settings.database_url,
                "MUMBLE_ALLOW_PRIVATE_URLS": "true",
                "MUMBLE_WORKER_METRICS_PORT": str(port),
            },
        )
        try:

            async def delivered() -> bool:
                return await WebhookDelivery.filter(status="delivered").count() == 1

            await _until(delivered, "the worker's delivery")
            await _wait_until_up(f"http://127.0.0.1:{port}/metrics")
            async with httpx.AsyncClient() as http:
                text = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
            proc.send_signal(signal.SIGTERM)
            exit_code = await asyncio.wait_for(proc.wait(), 30)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()

    assert exit_code == 0
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    assert samples[("mumble_webhook_deliveries_total", (("outcome", "delivered"),))] == 1
    assert len(receiver.received) == 1


async def test_sandbox_logs_one_json_access_line_per_request(tmp_path: Path) -> None:
    port = _free_port()
    proc = await _mumble(
        "sandbox",
        "--port",
        str(port),
        "--webhook-url",
        "",
        env={"MUMBLE_DATABASE_URL": f"sqlite://{tmp_path / 'unused.sqlite3'}"},
    )
    try:
        await _wait_until_up(f"http://127.0.0.1:{port}/_sandbox/health")
        async with httpx.AsyncClient() as http:
            response = await http.get(
                f"http://127.0.0.1:{port}/_sandbox/templates?name=private-query",
                headers={"X-Request-ID": "sandbox-1"},
            )
        proc.send_signal(signal.SIGINT)
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()

    assert response.status_code == 200
    lines = [orjson.loads(line) for line in err.decode().splitlines() if line.strip()]
    access = [line for line in lines if line.get("request_id") == "sandbox-1"]
    assert [(a["logger"], a["route"], a["status"]) for a in access] == [
        ("mumble.access", "/_sandbox/templates", 200)
    ]
    assert b"private-query" not in err
