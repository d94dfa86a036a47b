"""get-conversation: pagination (newest page first), flags, media URLs, isolation."""

from __future__ import annotations

from typing import Any

import httpx

from mumble.conversations.service import PER_PAGE
from tests.clock import FrozenClock
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import PHONE, customer_writes, send_text


async def _conversation(client: httpx.AsyncClient, tenant: Tenant, **params: Any) -> httpx.Response:
    return await client.get(
        "/mumbleapi/get-conversation",
        params={"customer_phone": PHONE, **params},
        headers=tenant.headers,
    )


async def test_both_directions_with_the_reference_fields(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    await customer_writes(sandbox, tenant, text="Where is my order?")
    clock.advance(seconds=30)
    await send_text(client, tenant, "On its way")
    clock.advance(seconds=30)
    await customer_writes(
        sandbox,
        tenant,
        type="location",
        location={"latitude": 32.08, "longitude": 34.78, "name": "Home", "address": "Main St 1"},
    )
    body = (await _conversation(client, tenant)).json()
    assert body["success"] is True
    assert (body["total"], body["pages"], body["current_page"]) == (3, 1, 1)
    first, reply, location = body["messages"]
    business = tenant.account.display_phone
    assert first["from"] == PHONE
    assert first["to"] == business
    assert first["direction"] == "inbound"
    assert first["status"] == "received"
    assert reply["from"] == business
    assert reply["to"] == PHONE
    assert reply["direction"] == "outbound"
    assert reply["type"] == "text"
    assert location["is_geo_location"] is True
    assert location["text"] == "Home, Main St 1"
    assert reply["timestamp"] == first["timestamp"] + 30
    for item in body["messages"]:
        assert set(item) >= {
            "id",
            "from",
            "to",
            "text",
            "is_img",
            "is_video",
            "is_audio",
            "is_pdf",
            "is_sticker",
            "is_geo_location",
            "media_url",
            "timestamp",
            "direction",
            "type",
            "status",
        }
        assert isinstance(item["timestamp"], int)


async def test_pages_go_from_newest_to_oldest(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    count = PER_PAGE + 5
    for i in range(count):
        clock.advance(seconds=1)
        await customer_writes(sandbox, tenant, text=f"m{i}")
    page1 = (await _conversation(client, tenant)).json()
    assert (page1["total"], page1["pages"], page1["current_page"]) == (count, 2, 1)
    assert [m["text"] for m in page1["messages"]] == [f"m{i}" for i in range(5, count)]
    page2 = (await _conversation(client, tenant, page=2)).json()
    assert [m["text"] for m in page2["messages"]] == [f"m{i}" for i in range(5)]
    past = (await _conversation(client, tenant, page=3)).json()
    assert past["messages"] == []
    assert past["current_page"] == 3


async def test_conversation_errors(client: httpx.AsyncClient, tenant: Tenant) -> None:
    unknown = await _conversation(client, tenant)
    assert unknown.status_code == 404
    assert unknown.json() == {"error": True, "message": "Customer not found"}
    missing = await client.get("/mumbleapi/get-conversation", headers=tenant.headers)
    assert missing.status_code == 400
    assert missing.json() == {"error": True, "message": "Phone number is required."}
    bad_page = await _conversation(client, tenant, page="zero")
    assert bad_page.status_code == 400


async def test_another_account_cannot_read_the_conversation(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, other_tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="secret")
    response = await _conversation(client, other_tenant)
    assert response.status_code == 404
    assert response.json()["message"] == "Customer not found"
