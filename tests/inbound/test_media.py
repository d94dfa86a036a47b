"""Inbound media: stored first, fetched after with the account's token, retried on failure."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import httpx

from mumble.models import MediaBlob, Message
from tests.clock import FrozenClock
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import PHONE, customer_writes, inject_fault

JPEG = b"\xff\xd8\xff\xe0" + b"jpeg-bytes" * 50


async def _conversation_item(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, Any]:
    conv = await client.get(
        "/mumbleapi/get-conversation", params={"customer_phone": PHONE}, headers=tenant.headers
    )
    item: dict[str, Any] = conv.json()["messages"][-1]
    return item


async def _wait_for_media_url(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, Any]:
    for _ in range(100):
        item = await _conversation_item(client, tenant)
        if item["media_url"]:
            return item
        await asyncio.sleep(0.05)
    raise AssertionError("the media never arrived")


async def test_inbound_image_is_downloaded_and_served_from_our_server(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    content = base64.b64encode(JPEG).decode()
    result = await customer_writes(
        sandbox, tenant, type="image", content=content, mime_type="image/jpeg", caption="receipt"
    )
    item = await _wait_for_media_url(client, tenant)
    assert item["is_img"] is True
    assert item["text"] == "receipt"
    served = await client.get(item["media_url"], headers=tenant.headers)
    assert served.status_code == 200
    assert served.content == JPEG
    assert served.headers["content-type"] == "image/jpeg"
    message = await Message.get(wamid=result["id"])
    assert message.media_state == "fetched"
    # Downloaded with this account's token (media info and the file itself).
    media_calls = [r for r in sandbox.sandbox.state.requests if r["target"] == "media"]
    assert media_calls
    assert all(r["authorization"] == f"Bearer {tenant.account.access_token}" for r in media_calls)


async def test_a_failed_download_never_loses_the_message_and_is_retried_later(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    await inject_fault(sandbox, target="media", http_status=500, count=None)
    result = await customer_writes(
        sandbox,
        tenant,
        type="document",
        content=base64.b64encode(b"%PDF-1.4 cv").decode(),
        mime_type="application/pdf",
        filename="cv.pdf",
    )
    # The message is there at once, without its file.
    for _ in range(100):
        message = await Message.get(wamid=result["id"])
        if message.media_attempts >= 1:
            break
        await asyncio.sleep(0.05)
    assert message.media_attempts >= 1
    assert message.media_state == "pending"
    item = await _conversation_item(client, tenant)
    assert item["is_pdf"] is True
    assert item["media_url"] is None
    assert item["filename"] == "cv.pdf"
    # Meta recovers; once the backoff has passed on the clock the worker fetches it.
    await sandbox.control.delete("/_sandbox/faults")
    clock.advance(minutes=5)
    item = await _wait_for_media_url(client, tenant)
    served = await client.get(item["media_url"], headers=tenant.headers)
    assert served.content == b"%PDF-1.4 cv"
    assert await MediaBlob.filter(message__wamid=result["id"]).count() == 1


async def test_a_slow_download_does_not_delay_the_webhook_answer(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await inject_fault(sandbox, target="media", latency=3.0)
    loop = asyncio.get_running_loop()
    started = loop.time()
    result = await customer_writes(sandbox, tenant, type="image")
    assert loop.time() - started < 2.5
    assert await Message.exists(wamid=result["id"])


async def test_another_account_cannot_fetch_inbound_media(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, other_tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, type="image")
    item = await _wait_for_media_url(client, tenant)
    response = await client.get(item["media_url"], headers=other_tenant.headers)
    assert response.status_code == 404
