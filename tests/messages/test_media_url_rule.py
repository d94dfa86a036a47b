"""One rule for the media_url of stored files, in the API and in events: relative, unless
MUMBLE_PUBLIC_BASE_URL is set; never built from the request's Host header."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from mumble.models import Event
from mumble.settings import Settings
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import PHONE, customer_writes

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


async def _sent_urls(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> tuple[int, list[str | None]]:
    """Upload a file with a forged Host header; the media_url of every place that shows it."""
    await customer_writes(sandbox, tenant, text="hi")
    forged = {**tenant.headers, "Host": "evil.example"}
    sent = await client.post(
        "/mumbleapi/send-media-message",
        data={"customer_phone": PHONE},
        files={"file": ("photo.png", PNG, "image/png")},
        headers=forged,
    )
    assert sent.status_code == 200, sent.text
    message = await client.get(
        "/mumbleapi/get-message",
        params={"message_wa_id": sent.json()["message_wa_id"]},
        headers=forged,
    )
    conversation = await client.get(
        "/mumbleapi/get-conversation", params={"customer_phone": PHONE}, headers=forged
    )
    event = await Event.filter(account_id=tenant.account.id, type="message.sent").first()
    assert event is not None
    return sent.json()["id"], [
        message.json()["message"]["media_url"],
        conversation.json()["messages"][-1]["media_url"],
        event.data["media_url"],
    ]


async def test_without_a_public_base_url_media_urls_are_relative_everywhere(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    message_id, urls = await _sent_urls(client, sandbox, tenant)

    assert urls == [f"/mumbleapi/media/{message_id}"] * 3


class TestWithAPublicBaseUrl:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return dataclasses.replace(settings, public_base_url="https://api.example.com/")

    async def test_media_urls_use_it_everywhere(
        self, client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
    ) -> None:
        message_id, urls = await _sent_urls(client, sandbox, tenant)

        assert urls == [f"https://api.example.com/mumbleapi/media/{message_id}"] * 3
