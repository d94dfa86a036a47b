"""add-webhook: a URL with control characters is refused (PostgreSQL cannot store a NUL)."""

from __future__ import annotations

import httpx
import pytest

from mumble.models import WebhookEndpoint
from mumble.urlguard import UnsafeUrl, parse_url
from tests.conftest import Tenant


@pytest.mark.parametrize("tail", ["\x00", "\nx", "\x7f", "%00ok\tx"])
async def test_a_webhook_url_with_a_control_character_is_refused(
    client: httpx.AsyncClient, server: str, tenant: Tenant, tail: str
) -> None:
    # Found by probing on PostgreSQL: yarl kept the NUL in the path and the insert failed (500).
    response = await client.post(
        "/mumbleapi/add-webhook",
        json={"url": f"{server}/hook{tail}", "events": ["customer.created"]},
        headers=tenant.headers,
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": True,
        "message": "Invalid webhook URL: URL must not contain control characters",
    }
    assert await WebhookEndpoint.filter(account_id=tenant.account.id).count() == 0


def test_parse_url_refuses_control_characters_but_not_their_escapes() -> None:
    with pytest.raises(UnsafeUrl, match="control characters"):
        parse_url("https://example.com/a\x00b")
    assert parse_url("https://example.com/a%00b").path == "/a\x00b"
