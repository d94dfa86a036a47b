"""A single send the pacer cannot take now answers 429 with Retry-After, and nothing is stored
or sent; the same send goes once the wait is over (conftest: 2 messages/s, pair burst 3)."""

from __future__ import annotations

from typing import Any

import httpx

from mumble.models import Message
from mumble.pacing.channel import set_pace
from mumble.pacing.errors import PACED_MESSAGE
from tests.clock import FrozenClock
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import customer_writes, sent_to_meta

PHONES = ["972501110001", "972501110002", "972501110003"]
PACED = {"error": True, "message": PACED_MESSAGE}


async def send_text(
    client: httpx.AsyncClient, tenant: Tenant, phone: str, **headers: str
) -> httpx.Response:
    body: dict[str, Any] = {"customer_phone": phone, "text": "Hello!"}
    return await client.post(
        "/mumbleapi/send-text-message", json=body, headers={**tenant.headers, **headers}
    )


async def outbound(tenant: Tenant) -> int:
    return await Message.filter(account_id=tenant.account.id, direction="outbound").count()


async def test_a_send_over_the_numbers_throughput_is_429_with_retry_after_and_nothing_stored(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    for phone in PHONES:
        await customer_writes(sandbox, tenant, phone)
    assert (await send_text(client, tenant, PHONES[0])).status_code == 200
    assert (await send_text(client, tenant, PHONES[1])).status_code == 200
    paced = await send_text(client, tenant, PHONES[2], **{"Idempotency-Key": "third"})
    assert paced.status_code == 429
    assert paced.json() == PACED
    assert paced.headers["Retry-After"] == "1"
    assert await outbound(tenant) == 2
    assert len(await sent_to_meta(sandbox, tenant)) == 2
    clock.advance(seconds=1)
    # The retry (same Idempotency-Key) really sends: a paced answer is not replayed.
    again = await send_text(client, tenant, PHONES[2], **{"Idempotency-Key": "third"})
    assert again.status_code == 200, again.text
    assert "Idempotent-Replayed" not in again.headers
    assert await outbound(tenant) == 3
    assert len(await sent_to_meta(sandbox, tenant)) == 3


async def test_the_pair_rate_holds_one_user_not_the_others(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    await set_pace(tenant.account.id, mps=100, coexistence=None)
    for phone in PHONES[:2]:
        await customer_writes(sandbox, tenant, phone)
    for _ in range(3):
        assert (await send_text(client, tenant, PHONES[0])).status_code == 200
    paced = await send_text(client, tenant, PHONES[0])
    assert paced.status_code == 429
    assert paced.json() == PACED
    assert paced.headers["Retry-After"] == "6"
    assert (await send_text(client, tenant, PHONES[1])).status_code == 200
    assert await outbound(tenant) == 4
    clock.advance(seconds=6)
    assert (await send_text(client, tenant, PHONES[0])).status_code == 200


async def test_an_admins_throughput_paces_the_number(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    await set_pace(tenant.account.id, mps=1, coexistence=None)
    for phone in PHONES[:2]:
        await customer_writes(sandbox, tenant, phone)
    assert (await send_text(client, tenant, PHONES[0])).status_code == 200
    assert (await send_text(client, tenant, PHONES[1])).status_code == 429
    clock.advance(seconds=1)
    assert (await send_text(client, tenant, PHONES[1])).status_code == 200
