"""Idempotency-Key on the send endpoints: replay, conflicting reuse, concurrency, expiry."""

from __future__ import annotations

import asyncio

import httpx

from mumble.models import Message
from tests.clock import FrozenClock
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import PHONE, customer_writes, inject_fault, sent_to_meta


def _headers(tenant: Tenant, key: str) -> dict[str, str]:
    return {**tenant.headers, "Idempotency-Key": key}


async def _send(client: httpx.AsyncClient, tenant: Tenant, key: str, text: str) -> httpx.Response:
    return await client.post(
        "/mumbleapi/send-text-message",
        json={"customer_phone": PHONE, "text": text},
        headers=_headers(tenant, key),
    )


async def test_a_retry_with_the_same_key_replays_the_first_response_and_sends_nothing(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    first = await _send(client, tenant, "order-1", "Hello!")
    second = await _send(client, tenant, "order-1", "Hello!")
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert len(await sent_to_meta(sandbox, tenant)) == 1
    assert await Message.filter(account_id=tenant.account.id, direction="outbound").count() == 1


async def test_the_same_key_with_a_different_body_is_409(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    assert (await _send(client, tenant, "k", "Hello!")).status_code == 200
    other = await _send(client, tenant, "k", "Something else")
    assert other.status_code == 409
    assert other.json() == {
        "error": True,
        "message": "Idempotency-Key was already used with a different request",
    }
    assert len(await sent_to_meta(sandbox, tenant)) == 1


async def test_concurrent_duplicates_send_once(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    # Meta answers slowly, so the duplicates really overlap the first send.
    await inject_fault(sandbox, target="messages", latency=0.3)
    responses = await asyncio.gather(*[_send(client, tenant, "burst", "Hello!") for _ in range(5)])
    assert [r.status_code for r in responses] == [200] * 5
    assert len({r.json()["message_wa_id"] for r in responses}) == 1
    assert len(await sent_to_meta(sandbox, tenant)) == 1


async def test_different_keys_are_different_sends(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    a = await _send(client, tenant, "a", "Hello!")
    b = await _send(client, tenant, "b", "Hello!")
    assert a.json()["id"] != b.json()["id"]
    assert len(await sent_to_meta(sandbox, tenant)) == 2


async def test_a_key_is_forgotten_after_24_hours(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    await _send(client, tenant, "daily", "Hello!")
    clock.advance(hours=23)
    await customer_writes(sandbox, tenant, text="again")
    assert (await _send(client, tenant, "daily", "Hello!")).headers.get("Idempotent-Replayed")
    clock.advance(hours=1, seconds=1)
    fresh = await _send(client, tenant, "daily", "Hello!")
    assert fresh.status_code == 200
    assert "Idempotent-Replayed" not in fresh.headers
    assert len(await sent_to_meta(sandbox, tenant)) == 2


async def test_a_refusal_that_sent_nothing_is_not_stored_so_the_retry_sends_once_the_window_opens(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    first = await _send(client, tenant, "closed", "Hello!")
    assert first.status_code == 400
    assert first.json()["message"].startswith("Conversation is closed")
    assert await Message.filter(account_id=tenant.account.id).count() == 0
    await customer_writes(sandbox, tenant, text="now open")
    again = await _send(client, tenant, "closed", "Hello!")
    assert again.status_code == 200, again.text
    assert "Idempotent-Replayed" not in again.headers
    replay = await _send(client, tenant, "closed", "Hello!")
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == again.json()
    assert len(await sent_to_meta(sandbox, tenant)) == 1


async def test_a_bad_profile_refusal_is_not_stored_so_a_corrected_retry_is_not_a_conflict(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    bad = await client.post(
        "/mumbleapi/send-text-message",
        json={"customer_phone": PHONE, "text": "Hello!", "email": "not-an-email"},
        headers=_headers(tenant, "profile"),
    )
    assert bad.status_code == 400
    assert (await _send(client, tenant, "profile", "Hello!")).status_code == 200
    assert len(await sent_to_meta(sandbox, tenant)) == 1


async def test_a_meta_refusal_of_a_recorded_send_is_replayed_and_not_sent_again(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    await inject_fault(sandbox, target="messages", error_code=131026)
    first = await _send(client, tenant, "undeliverable", "Hello!")
    assert first.status_code == 400
    again = await _send(client, tenant, "undeliverable", "Hello!")
    assert again.status_code == 400
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    outbound = Message.filter(account_id=tenant.account.id, direction="outbound")
    assert await outbound.count() == 1
    assert [m.status for m in await outbound] == ["failed"]


async def test_a_transient_meta_failure_is_not_stored_so_the_retry_really_sends(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    await inject_fault(sandbox, target="messages", error_code=130429)
    refused = await _send(client, tenant, "retry-me", "Hello!")
    assert refused.status_code == 429
    # The client waits Retry-After: the pacer holds the number after Meta's 130429.
    clock.advance(seconds=int(refused.headers["Retry-After"]))
    retry = await _send(client, tenant, "retry-me", "Hello!")
    assert retry.status_code == 200
    assert len(await sent_to_meta(sandbox, tenant)) == 1


async def test_keys_are_per_account(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, other_tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    await customer_writes(sandbox, other_tenant, text="hi")
    a = await _send(client, tenant, "shared-key", "Hello!")
    b = await _send(client, other_tenant, "shared-key", "Hello!")
    assert a.status_code == b.status_code == 200
    assert "Idempotent-Replayed" not in b.headers
    assert len(await sent_to_meta(sandbox, other_tenant)) == 1


async def test_idempotent_media_upload_replays_and_another_file_conflicts(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    png = b"\x89PNG\r\n\x1a\n" + b"\x01" * 100

    async def upload(data: bytes) -> httpx.Response:
        return await client.post(
            "/mumbleapi/send-media-message",
            data={"customer_phone": PHONE},
            files={"file": ("p.png", data, "image/png")},
            headers=_headers(tenant, "upload-1"),
        )

    first = await upload(png)
    again = await upload(png)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    other = await upload(png + b"\x02")
    assert other.status_code == 409
    assert len(await sent_to_meta(sandbox, tenant)) == 1
