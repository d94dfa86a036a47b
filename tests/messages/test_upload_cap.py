"""send-media-message refuses bodies over Settings.max_upload_bytes while streaming them."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest

from mumble.models import Message
from mumble.settings import Settings
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import PHONE, customer_writes, sent_to_meta

CAP = 64 * 1024


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, max_upload_bytes=CAP)


async def test_upload_larger_than_the_configured_cap_is_413_and_nothing_is_sent(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    big = b"%PDF-1.7\n" + b"x" * (CAP * 2)
    response = await client.post(
        "/mumbleapi/send-media-message",
        data={"customer_phone": PHONE},
        files={"file": ("huge.pdf", big, "application/pdf")},
        headers=tenant.headers,
    )
    assert response.status_code == 413
    assert response.json()["error"] is True
    assert await sent_to_meta(sandbox, tenant) == []
    assert await Message.filter(account_id=tenant.account.id, direction="outbound").count() == 0


async def test_chunked_upload_over_the_cap_is_413(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="hi")
    boundary = "xyzBOUNDARY"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="customer_phone"\r\n\r\n{PHONE}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-1.7\n"
    ).encode()

    async def body() -> AsyncIterator[bytes]:
        yield head
        for _ in range(4):
            yield b"x" * CAP
        yield f"\r\n--{boundary}--\r\n".encode()

    response = await client.post(
        "/mumbleapi/send-media-message",
        content=body(),
        headers={**tenant.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 413
    assert await sent_to_meta(sandbox, tenant) == []
