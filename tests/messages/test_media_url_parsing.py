"""send-media-message: a media_url or filename that urlsplit cannot parse is a 400, not a 500."""

from __future__ import annotations

import httpx

from mumble.models import Message
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import PHONE, customer_writes


async def _send(client: httpx.AsyncClient, tenant: Tenant, **body: str) -> httpx.Response:
    return await client.post(
        "/mumbleapi/send-media-message",
        json={"customer_phone": PHONE, **body},
        headers=tenant.headers,
    )


async def test_a_media_url_with_an_unclosed_ipv6_bracket_is_refused(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    # Found by probing: urlsplit raised ValueError("Invalid IPv6 URL"), a 500.
    await customer_writes(sandbox, tenant)
    response = await _send(client, tenant, media_url="http://[::1/photo.jpg")
    assert response.status_code == 400
    assert response.json() == {"error": True, "message": "media_url must be an http(s) URL"}
    assert await Message.filter(direction="outbound").count() == 0


async def test_a_filename_that_looks_like_a_broken_url_gives_no_type(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant)
    response = await _send(
        client, tenant, media_url="https://cdn.example.com/file", filename="x://[/photo.jpg"
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": True,
        "message": "Cannot tell the file type: give a file name or URL with one of the "
        "supported extensions",
    }
