"""is-active-conv answers when the window closes (`expires_at`), null once it is closed."""

from __future__ import annotations

import httpx

from tests.api import body, get, ok
from tests.clock import FrozenClock
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import PHONE, customer_writes


async def _window(client: httpx.AsyncClient, tenant: Tenant) -> tuple[bool, str | None]:
    answer = ok(await get(client, tenant, "is-active-conv", customer_phone=PHONE))
    return answer["is_active"], answer["expires_at"]


async def test_expires_at_follows_the_last_inbound_message(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    assert await _window(client, tenant) == (True, "2026-06-30T12:00:00Z")
    clock.advance(hours=5)
    await customer_writes(sandbox, tenant, text="again")
    assert await _window(client, tenant) == (True, "2026-06-30T17:00:00Z")
    clock.advance(hours=23, minutes=59, seconds=59)
    assert await _window(client, tenant) == (True, "2026-06-30T17:00:00Z")
    clock.advance(seconds=1)
    assert await _window(client, tenant) == (False, None)


async def test_a_customer_who_never_wrote_has_no_window(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    ok(
        await client.post(
            "/mumbleapi/add-new-customer", json={"customer_phone": PHONE}, headers=tenant.headers
        )
    )
    assert await _window(client, tenant) == (False, None)


async def test_errors_and_a_second_account(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, other_tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    missing = await get(client, tenant, "is-active-conv")
    assert missing.status_code == 400
    assert body(missing) == {"error": True, "message": "Phone number is required."}
    theirs = await get(client, other_tenant, "is-active-conv", customer_phone=PHONE)
    assert theirs.status_code == 404
    assert body(theirs) == {"error": True, "message": "Customer not found"}
