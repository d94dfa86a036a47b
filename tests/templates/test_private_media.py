"""With MUMBLE_ALLOW_PRIVATE_URLS off, a header sample on a private address is never fetched."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from mumble.settings import Settings
from tests.conftest import SandboxHandle, Tenant
from tests.templates.support import create, media_server, meta_requests


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, allow_private_urls=False)


async def test_private_media_link_is_refused(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    async with media_server() as media:
        response = await create(
            client,
            tenant,
            name="private_banner",
            language="en_US",
            category="MARKETING",
            body="Sale today!",
            header={"format": "IMAGE"},
            media_url=media + "/banner.png",
        )
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["message"] == "Media link is not valid"
    assert body["details"]
    assert await meta_requests(sandbox, "/uploads") == []
