"""Each template endpoint needs its permission; template sends count in the messaging limit."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from mumble.settings import Settings
from tests.access import key_with_permissions
from tests.conftest import SandboxHandle, Tenant
from tests.templates.support import PHONE, approved_template


@pytest.mark.parametrize(
    ("method", "path", "allowed", "message"),
    [
        ("GET", "get-templates", "templates:read", "User not authorized to read templates."),
        ("POST", "create-template", "templates:write", "User not authorized to create templates."),
        ("POST", "edit-template", "templates:write", "User not authorized to edit templates."),
        (
            "DELETE",
            "delete-template",
            "templates:write",
            "User not authorized to delete templates.",
        ),
        ("POST", "send-template", "templates:send", "User not authorized to send templates."),
        (
            "POST",
            "send-template-text-variable",
            "templates:send",
            "User not authorized to send templates.",
        ),
    ],
)
async def test_each_endpoint_needs_its_permission(
    client: httpx.AsyncClient, tenant: Tenant, method: str, path: str, allowed: str, message: str
) -> None:
    others = [p for p in ("templates:read", "templates:write", "templates:send") if p != allowed]
    headers = await key_with_permissions(tenant.account, "no-" + allowed.replace(":", "-"), others)
    response = await client.request(method, f"/mumbleapi/{path}", json={}, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"error": True, "message": message}
    granted = await key_with_permissions(
        tenant.account, "only-" + allowed.replace(":", "-"), [allowed]
    )
    response = await client.request(method, f"/mumbleapi/{path}", json={}, headers=granted)
    assert response.status_code != 401


class TestMessagingLimit:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return dataclasses.replace(settings, rate_limit_messaging="2/minute")

    async def test_template_sends_count_in_the_messaging_limit(
        self, client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
    ) -> None:
        template = await approved_template(
            client, sandbox, tenant, name="ping", body="Ping from us."
        )
        statuses = []
        for _ in range(3):
            response = await client.post(
                "/mumbleapi/send-template",
                json={"customer_phone": PHONE, "template_id": template["id"]},
                headers=tenant.headers,
            )
            statuses.append(response.status_code)
        assert statuses == [200, 200, 429]
