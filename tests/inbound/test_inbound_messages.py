"""Inbound messages of every type Meta sends: stored once, customer created, window opened."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import httpx
import pytest

from mumble.models import Customer, Event, Message
from tests.clock import FrozenClock
from tests.conftest import SandboxHandle, Tenant
from tests.database import column
from tests.messages.support import PHONE, customer_writes, messages_envelope, post_signed

CASES: list[tuple[dict[str, Any], str, str | None]] = [
    ({"type": "text", "text": "Hello"}, "text", "Hello"),
    ({"type": "image", "caption": "look"}, "image", "look"),
    ({"type": "video", "caption": "clip"}, "video", "clip"),
    ({"type": "audio", "voice": True}, "audio", None),
    ({"type": "document", "caption": "cv", "filename": "cv.pdf"}, "document", "cv"),
    ({"type": "sticker"}, "sticker", None),
    (
        {"type": "location", "location": {"latitude": 1.5, "longitude": 2.5}},
        "location",
        "1.5,2.5",
    ),
    ({"type": "contacts"}, "contacts", "Jane Roe"),
    ({"type": "interactive", "reply_title": "Yes please"}, "interactive", "Yes please"),
    (
        {"type": "interactive", "reply_type": "list_reply", "reply_title": "Option B"},
        "interactive",
        "Option B",
    ),
    ({"type": "button", "button_text": "Stop promotions"}, "button", "Stop promotions"),
    ({"type": "reaction", "emoji": "\u2764\ufe0f"}, "reaction", "\u2764\ufe0f"),
    ({"type": "unsupported"}, "unsupported", None),
]


@pytest.mark.parametrize(
    ("spec", "kind", "text"),
    CASES,
    ids=[c[1] for c in CASES[:8]]
    + ["button_reply", "list_reply", "button", "reaction", "unsupported"],
)
async def test_every_inbound_type_is_stored_and_shown(
    client: httpx.AsyncClient,
    sandbox: SandboxHandle,
    tenant: Tenant,
    spec: dict[str, Any],
    kind: str,
    text: str | None,
) -> None:
    result = await customer_writes(sandbox, tenant, name="Dana Cohen", **spec)
    message = await Message.get(account_id=tenant.account.id, wamid=result["id"])
    assert (message.direction, message.type, message.status) == ("inbound", kind, "received")
    assert message.text == text
    assert message.payload["id"] == result["id"]
    conv = await client.get(
        "/mumbleapi/get-conversation", params={"customer_phone": PHONE}, headers=tenant.headers
    )
    item = conv.json()["messages"][0]
    assert item["type"] == kind
    assert item["is_img"] is (kind == "image")
    assert item["is_video"] is (kind == "video")
    assert item["is_audio"] is (kind == "audio")
    assert item["is_pdf"] is (kind == "document")
    assert item["is_sticker"] is (kind == "sticker")
    assert item["is_geo_location"] is (kind == "location")
    if kind == "unsupported":
        assert item["error"] is None
        assert message.error_code == 131051


async def test_first_contact_creates_the_customer_with_the_profile_name_and_opens_the_window(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    await customer_writes(sandbox, tenant, text="hello", name="Dana Cohen")
    customer = await Customer.get(account_id=tenant.account.id, phone=PHONE)
    assert customer.name == "Dana Cohen"
    assert customer.last_inbound_at == clock.now()
    assert customer.last_interaction == clock.now()
    types = column(
        await Event.filter(account_id=tenant.account.id)
        .order_by("seq")
        .values_list("type", flat=True)
    )
    assert types == ["customer.created", "message.received"]
    received = await Event.get(account_id=tenant.account.id, type="message.received")
    assert received.data["customer_phone"] == PHONE
    assert received.data["text"] == "hello"
    assert received.customer_id == customer.id


async def test_a_known_customer_keeps_the_crm_name(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    await client.post(
        "/mumbleapi/add-new-customer",
        json={"customer_phone": PHONE, "name": "CRM Name"},
        headers=tenant.headers,
    )
    await customer_writes(sandbox, tenant, text="hello", name="WhatsApp Name")
    customer = await Customer.get(account_id=tenant.account.id, phone=PHONE)
    assert customer.name == "CRM Name"
    assert await Customer.filter(account_id=tenant.account.id).count() == 1


async def test_the_same_wamid_delivered_twice_is_stored_once(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    message = {
        "from": PHONE,
        "id": "wamid.DUP",
        "timestamp": "1782734400",
        "type": "text",
        "text": {"body": "once"},
    }
    envelope = messages_envelope(
        tenant, contacts=[{"profile": {"name": "D"}, "wa_id": PHONE}], messages=[message, message]
    )
    assert (await post_signed(client, envelope)).status_code == 200
    assert (await post_signed(client, envelope)).status_code == 200
    assert await Message.filter(account_id=tenant.account.id).count() == 1
    assert await Event.filter(type="message.received").count() == 1


async def test_a_replayed_old_message_does_not_move_the_window_back(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    await customer_writes(sandbox, tenant, text="now")
    old = int((clock.now() - dt.timedelta(days=3)).timestamp())
    await customer_writes(sandbox, tenant, text="three days ago", timestamp=old)
    customer = await Customer.get(account_id=tenant.account.id, phone=PHONE)
    assert customer.last_inbound_at == clock.now()
    conv = await client.get(
        "/mumbleapi/get-conversation", params={"customer_phone": PHONE}, headers=tenant.headers
    )
    assert [m["text"] for m in conv.json()["messages"]] == ["three days ago", "now"]


async def test_inbound_for_one_account_is_invisible_to_another(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, other_tenant: Tenant
) -> None:
    await customer_writes(sandbox, tenant, text="for Acme only")
    assert await Message.filter(account_id=other_tenant.account.id).count() == 0
    assert await Customer.filter(account_id=other_tenant.account.id).count() == 0


async def test_concurrent_first_messages_from_one_new_person_make_one_customer(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    contact = {"profile": {"name": "Dana"}, "wa_id": PHONE}

    def envelope(i: int) -> dict[str, Any]:
        message = {
            "from": PHONE,
            "id": f"wamid.C{i}",
            "timestamp": "1782734400",
            "type": "text",
            "text": {"body": f"m{i}"},
        }
        return messages_envelope(tenant, contacts=[contact], messages=[message])

    responses = await asyncio.gather(*[post_signed(client, envelope(i)) for i in range(6)])
    assert [r.status_code for r in responses] == [200] * 6
    assert await Customer.filter(account_id=tenant.account.id).count() == 1
    assert await Message.filter(account_id=tenant.account.id).count() == 6


async def test_a_large_batch_is_stored_in_one_post(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    contacts = [{"profile": {"name": f"C{i}"}, "wa_id": f"97250000{i:04d}"} for i in range(100)]
    messages = [
        {
            "from": f"97250000{i:04d}",
            "id": f"wamid.B{i}",
            "timestamp": "1782734400",
            "type": "text",
            "text": {"body": "hi"},
        }
        for i in range(100)
    ]
    response = await post_signed(
        client, messages_envelope(tenant, contacts=contacts, messages=messages)
    )
    assert response.status_code == 200
    assert await Message.filter(account_id=tenant.account.id).count() == 100
    customer = await Customer.get(account_id=tenant.account.id, phone="972500000042")
    assert customer.name == "C42"
