"""Meta's back-pressure through the API: after each code the sandbox answers, the next sends of
that number (that user for 131056) are paced for longer each time; 131049 holds marketing to
that user for a day."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable

import httpx
import pytest

from mumble.models import Message, ScheduledMessage
from mumble.pacing.channel import set_pace
from mumble.pacing.errors import MARKETING_HELD_MESSAGE, PACED_MESSAGE
from tests.clock import FrozenClock
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import customer_writes, inject_fault, sent_to_meta
from tests.pacing.test_single_send import PACED, PHONES, outbound, send_text
from tests.templates.support import approved_template

META_RATE_LIMITED = "WhatsApp rate limit reached, retry later"


@pytest.mark.parametrize(
    ("code", "first", "second", "whole_number"),
    [
        (130429, 1, 2, True),
        (131056, 4, 16, False),
        (131048, 60, 240, True),
        (80007, 60, 120, True),
        (4, 60, 120, True),
    ],
)
async def test_each_back_pressure_code_paces_the_next_sends_longer_each_time(
    client: httpx.AsyncClient,
    sandbox: SandboxHandle,
    tenant: Tenant,
    clock: FrozenClock,
    code: int,
    first: int,
    second: int,
    whole_number: bool,
) -> None:
    await set_pace(tenant.account.id, mps=100, coexistence=None)
    for phone in PHONES[:2]:
        await customer_writes(sandbox, tenant, phone)
    await inject_fault(sandbox, target="messages", error_code=code)
    meta = await send_text(client, tenant, PHONES[0])
    assert meta.status_code == 429
    assert meta.json()["message"] == META_RATE_LIMITED
    held = await send_text(client, tenant, PHONES[0])
    assert held.status_code == 429
    assert held.json() == PACED
    assert held.headers["Retry-After"] == str(first)
    other = await send_text(client, tenant, PHONES[1])
    assert other.status_code == (429 if whole_number else 200)
    # Only Meta's refusal is on record; the paced sends left nothing.
    assert await outbound(tenant) == (1 if whole_number else 2)
    clock.advance(seconds=first)
    await inject_fault(sandbox, target="messages", error_code=code)
    assert (await send_text(client, tenant, PHONES[0])).json()["message"] == META_RATE_LIMITED
    again = await send_text(client, tenant, PHONES[0])
    assert again.headers["Retry-After"] == str(second)
    clock.advance(seconds=second)
    assert (await send_text(client, tenant, PHONES[0])).status_code == 200


async def test_metas_retry_after_holds_at_least_that_long(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, PHONES[0])
    await inject_fault(sandbox, target="messages", error_code=130429, retry_after=30)
    assert (await send_text(client, tenant, PHONES[0])).status_code == 429
    held = await send_text(client, tenant, PHONES[0])
    assert held.json()["message"] == PACED_MESSAGE
    assert held.headers["Retry-After"] == "30"


async def _template(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, category: str
) -> str:
    name = f"pace_{category.lower()}"
    template = await approved_template(
        client, sandbox, tenant, name=name, category=category, body="We have news for you"
    )
    return str(template["id"])


async def send_template(
    client: httpx.AsyncClient, tenant: Tenant, template_id: str, phone: str
) -> httpx.Response:
    return await client.post(
        "/mumbleapi/send-template",
        json={"customer_phone": phone, "template_id": template_id},
        headers=tenant.headers,
    )


async def test_131049_refuses_marketing_to_that_user_for_a_day_and_nothing_else(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    await set_pace(tenant.account.id, mps=100, coexistence=None)
    marketing = await _template(client, sandbox, tenant, "MARKETING")
    utility = await _template(client, sandbox, tenant, "UTILITY")
    await inject_fault(sandbox, target="messages", error_code=131049)
    first = await send_template(client, tenant, marketing, PHONES[0])
    assert first.status_code == 400
    [failed] = await Message.filter(account_id=tenant.account.id, direction="outbound")
    assert (failed.status, failed.error_code) == ("failed", 131049)
    held = await send_template(client, tenant, marketing, PHONES[0])
    assert held.status_code == 400
    assert held.json() == {"error": True, "message": MARKETING_HELD_MESSAGE}
    assert await outbound(tenant) == 1
    assert (await send_template(client, tenant, utility, PHONES[0])).status_code == 200
    assert (await send_template(client, tenant, marketing, PHONES[1])).status_code == 200
    clock.advance(hours=23, minutes=59)
    assert (await send_template(client, tenant, marketing, PHONES[0])).status_code == 400
    clock.advance(minutes=1)
    assert (await send_template(client, tenant, marketing, PHONES[0])).status_code == 200
    assert len(await sent_to_meta(sandbox, tenant)) == 3


async def test_a_paced_scheduled_send_is_postponed_not_failed(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    template = await _template(client, sandbox, tenant, "UTILITY")
    scheduled = await client.post(
        "/mumbleapi/send-template",
        json={
            "customer_phone": PHONES[0],
            "template_id": template,
            "send_at": "2026-06-29T13:00:00Z",
        },
        headers=tenant.headers,
    )
    assert scheduled.status_code == 200, scheduled.text
    # Meta's 131048 holds the number for a minute just before the send comes due.
    await inject_fault(sandbox, target="messages", error_code=131048)
    clock.advance(minutes=59, seconds=30)
    assert (await send_template(client, tenant, template, PHONES[1])).status_code == 429
    clock.advance(seconds=30)
    row = await _scheduled_row(tenant, lambda r: r.send_at > clock.now())
    assert row.status == "scheduled"
    assert row.send_at == clock.now() + dt.timedelta(seconds=30)
    clock.advance(seconds=30)
    row = await _scheduled_row(tenant, lambda r: r.status == "sent")
    assert row.message_id is not None


async def _scheduled_row(
    tenant: Tenant, done: Callable[[ScheduledMessage], bool]
) -> ScheduledMessage:
    """The tenant's scheduled send once `done` holds (the worker polls each second)."""
    for _ in range(100):
        row = await ScheduledMessage.get(account_id=tenant.account.id)
        if done(row):
            return row
        await asyncio.sleep(0.1)
    raise AssertionError("the scheduled send did not get there")


async def test_131049_in_a_failed_status_webhook_holds_marketing_to_that_user(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    marketing = await _template(client, sandbox, tenant, "MARKETING")
    sent = await send_template(client, tenant, marketing, PHONES[0])
    assert sent.status_code == 200, sent.text
    failed = await sandbox.control.post(
        "/_sandbox/statuses",
        json={"id": sent.json()["message_wa_id"], "status": "failed", "error_code": 131049},
    )
    assert failed.json()["delivery"] == [200]
    held = await send_template(client, tenant, marketing, PHONES[0])
    assert held.status_code == 400
    assert held.json()["message"] == MARKETING_HELD_MESSAGE
    assert (await send_template(client, tenant, marketing, PHONES[1])).status_code == 200


async def test_a_pair_rate_failure_in_a_status_webhook_holds_that_user(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await set_pace(tenant.account.id, mps=100, coexistence=None)
    for phone in PHONES[:2]:
        await customer_writes(sandbox, tenant, phone)
    sent = await send_text(client, tenant, PHONES[0])
    await sandbox.control.post(
        "/_sandbox/statuses",
        json={"id": sent.json()["message_wa_id"], "status": "failed", "error_code": 131056},
    )
    held = await send_text(client, tenant, PHONES[0])
    assert held.status_code == 429
    assert held.headers["Retry-After"] == "4"
    assert (await send_text(client, tenant, PHONES[1])).status_code == 200
