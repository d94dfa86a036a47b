"""The periodic sync started by the app lifespan reconciles without anyone calling it."""

from __future__ import annotations

import asyncio
import dataclasses

import httpx
import pytest

from mumble.settings import Settings
from tests.conftest import SandboxHandle, Tenant
from tests.templates.support import create, set_status, shown


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, template_sync_seconds=1)


async def test_the_lifespan_sync_picks_up_a_dropped_approval(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    created = await create(
        client, tenant, name="loop_note", language="en_US", category="UTILITY", body="Hi!"
    )
    data = created.json()["data"]
    await sandbox.control.post("/_sandbox/faults", json={"webhook": "drop", "count": None})
    await set_status(sandbox, data["meta_id"], "APPROVED")
    status = "PENDING"
    for _ in range(60):  # at most ~3 s: the loop runs every second
        status = (await shown(client, tenant, data["id"]))["status"]
        if status == "APPROVED":
            break
        await asyncio.sleep(0.05)
    assert status == "APPROVED"


async def test_an_approval_racing_the_create_answer_is_not_lost(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    # Meta approves at once: the webhook may arrive before our create call has its answer.
    assert (
        await sandbox.control.post("/_sandbox/config", json={"review_delay": 0})
    ).status_code == 200
    created = await create(
        client, tenant, name="instant", language="en_US", category="UTILITY", body="Hi!"
    )
    assert created.status_code == 200, created.text
    await sandbox.flush()
    assert (await shown(client, tenant, created.json()["data"]["id"]))["status"] == "APPROVED"
