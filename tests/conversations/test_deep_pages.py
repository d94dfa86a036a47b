"""Deep pages of get-conversation: pages past the middle are read from the oldest end
(mumble/paging.py) and still hold exactly the newest-first pages, each in chronological order.
"""

from __future__ import annotations

import datetime as dt

import httpx

from mumble.conversations.service import PER_PAGE as MESSAGES_PER_PAGE
from mumble.models import Customer, Message
from tests.conftest import Tenant


async def test_every_conversation_page_matches_newest_first_order(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    customer = await Customer.create(account_id=tenant.account.id, phone="15550001234")
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    count = 3 * MESSAGES_PER_PAGE + 7
    await Message.bulk_create(
        [
            Message(
                account_id=tenant.account.id,
                customer_id=customer.id,
                direction="inbound",
                type="text",
                text=f"m{i}",
                wamid=f"wamid.deep.{i}",
                status="received",
                occurred_at=start + dt.timedelta(seconds=i),
            )
            for i in range(count)
        ]
    )
    pages = []
    for page in (1, 2, 3, 4):
        response = await client.get(
            "/mumbleapi/get-conversation",
            params={"customer_phone": "15550001234", "page": page},
            headers=tenant.headers,
        )
        assert response.status_code == 200
        assert response.json()["total"] == count
        pages.append([m["text"] for m in response.json()["messages"]])
    # Page 1 is the newest 50, each page in chronological order, the last one the oldest 7.
    assert pages[0] == [f"m{i}" for i in range(count - 50, count)]
    assert pages[1] == [f"m{i}" for i in range(count - 100, count - 50)]
    assert pages[2] == [f"m{i}" for i in range(7, 57)]
    assert pages[3] == [f"m{i}" for i in range(7)]
