"""The 24-hour window: pure arithmetic, and is-active-conv / free-form sends as the clock moves."""

from __future__ import annotations

import datetime as dt

import httpx

from mumble.customers.window import is_window_open, window_closes_at
from tests.clock import FrozenClock
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import PHONE, customer_writes, send_text, sent_to_meta

T0 = dt.datetime(2026, 6, 29, 12, 0, tzinfo=dt.UTC)
CLOSED = "Conversation is closed (send a template instead)"


def test_window_is_open_for_exactly_24_hours_after_the_last_inbound_message() -> None:
    assert is_window_open(T0, T0)
    assert is_window_open(T0, T0 + dt.timedelta(hours=23, minutes=59, seconds=59))
    assert not is_window_open(T0, T0 + dt.timedelta(hours=24))
    assert not is_window_open(None, T0)
    assert window_closes_at(T0) == T0 + dt.timedelta(hours=24)
    assert window_closes_at(None) is None


async def _is_active(client: httpx.AsyncClient, tenant: Tenant, phone: str = PHONE) -> bool:
    response = await client.get(
        "/mumbleapi/is-active-conv", params={"customer_phone": phone}, headers=tenant.headers
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["success"] is True
    active = answer["is_active"]
    assert isinstance(active, bool)
    return active


async def test_window_opens_when_the_customer_writes_and_expires_after_24_hours(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    assert await _is_active(client, tenant) is True
    clock.advance(hours=23, minutes=59)
    assert await _is_active(client, tenant) is True
    assert (await send_text(client, tenant, "still open")).status_code == 200
    clock.advance(minutes=1)
    assert await _is_active(client, tenant) is False


async def test_a_new_message_renews_the_window(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    await customer_writes(sandbox, tenant, text="first")
    clock.advance(hours=20)
    await customer_writes(sandbox, tenant, text="second")
    clock.advance(hours=20)
    assert await _is_active(client, tenant) is True
    assert (await send_text(client, tenant, "renewed")).status_code == 200
    clock.advance(hours=4)
    assert await _is_active(client, tenant) is False


async def test_free_text_outside_the_window_is_refused_without_calling_meta(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    clock.advance(hours=25)
    response = await send_text(client, tenant, "too late")
    assert response.status_code == 400
    assert response.json() == {"error": True, "message": CLOSED}
    assert await sent_to_meta(sandbox, tenant) == []
    media = await client.post(
        "/mumbleapi/send-media-message",
        json={"customer_phone": PHONE, "media_url": "https://example.com/a.jpg"},
        headers=tenant.headers,
    )
    assert media.status_code == 400
    assert media.json()["message"] == CLOSED
    assert await sent_to_meta(sandbox, tenant) == []


async def test_a_customer_who_never_wrote_has_a_closed_window_and_nothing_is_written(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    response = await send_text(client, tenant, "cold outreach", name="Nobody")
    assert response.status_code == 400
    assert response.json()["message"] == CLOSED
    lookup = await client.get(
        "/mumbleapi/get-customer", params={"customer_phone": PHONE}, headers=tenant.headers
    )
    assert lookup.status_code == 404
    assert await sent_to_meta(sandbox, tenant) == []


async def test_is_active_conv_errors(client: httpx.AsyncClient, tenant: Tenant) -> None:
    missing = await client.get("/mumbleapi/is-active-conv", headers=tenant.headers)
    assert missing.status_code == 400
    assert missing.json() == {"error": True, "message": "Phone number is required."}
    unknown = await client.get(
        "/mumbleapi/is-active-conv", params={"customer_phone": PHONE}, headers=tenant.headers
    )
    assert unknown.status_code == 404
    assert unknown.json() == {"error": True, "message": "Customer not found"}


async def test_another_account_cannot_see_the_window(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, other_tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    response = await client.get(
        "/mumbleapi/is-active-conv", params={"customer_phone": PHONE}, headers=other_tenant.headers
    )
    assert response.status_code == 404
    assert response.json()["message"] == "Customer not found"
