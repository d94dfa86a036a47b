"""Templates: NUL characters are refused before anything is stored (PostgreSQL cannot hold them)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mumble.models import Message, Template
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import PHONE
from tests.templates.support import approved_template, create

BASE = {"name": "nul_check", "language": "en_US", "category": "UTILITY", "body": "Hi there"}


@pytest.mark.parametrize(
    "fields",
    [
        {"body": "Hi\x00 there"},
        {"footer": "Thanks\x00"},
        {"buttons": [{"type": "QUICK_REPLY", "text": "Yes\x00"}]},
        {"header": {"format": "TEXT", "text": "Hello\x00"}},
        {"body": "Hi {{1}} there", "body_examples": ["J\x00"]},
    ],
)
async def test_template_text_with_nul_is_refused_and_nothing_is_stored(
    client: httpx.AsyncClient, tenant: Tenant, fields: dict[str, Any]
) -> None:
    # Found by probing on PostgreSQL: the reservation insert failed with
    # "invalid byte sequence for encoding UTF8: 0x00", a 500.
    response = await create(client, tenant, **(BASE | fields))
    assert response.status_code == 400
    body = response.json()
    assert body["message"] == "Invalid template configuration"
    assert "Template text must not contain NUL characters" in body["details"]
    assert await Template.filter(account_id=tenant.account.id).count() == 0


@pytest.mark.parametrize("name", ["variable", "button_variables"])
async def test_send_values_with_nul_are_refused_before_meta(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, name: str
) -> None:
    template = await approved_template(
        client, sandbox, tenant, name="order_note", body="Order {{1}} shipped", body_examples=["1"]
    )
    body: dict[str, Any] = {"customer_phone": PHONE, "template_id": template["id"]}
    body |= {"variable": ["7"], name: ["a\x00b"]}
    response = await client.post(
        "/mumbleapi/send-template-text-variable", json=body, headers=tenant.headers
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": True,
        "message": f"'{name}' values must not contain NUL characters",
    }
    assert await Message.filter(direction="outbound").count() == 0
