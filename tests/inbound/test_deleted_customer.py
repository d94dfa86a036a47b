"""A deleted customer stays deleted: Meta's redelivery of their old messages brings nothing back."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from mumble.customers.tombstones import purge_tombstones
from mumble.models import Customer, Event, Message
from tests.clock import FrozenClock
from tests.conftest import Tenant
from tests.messages.support import PHONE, messages_envelope, post_signed


def _batch(tenant: Tenant, wamid: str, text: str) -> dict[str, Any]:
    message = {
        "from": PHONE,
        "id": wamid,
        "timestamp": "1782734400",
        "type": "text",
        "text": {"body": text},
    }
    contacts = [{"profile": {"name": "Dana"}, "wa_id": PHONE}]
    return messages_envelope(tenant, contacts=contacts, messages=[message])


async def _delete(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await client.delete(
        "/mumbleapi/delete-customer", params={"customer_phone": PHONE}, headers=tenant.headers
    )
    assert response.status_code == 200, response.text


async def test_a_redelivered_message_does_not_bring_a_deleted_customer_back(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    old = _batch(tenant, "wamid.OLD", "my secret")
    assert (await post_signed(client, old)).status_code == 200
    await _delete(client, tenant)
    assert (await post_signed(client, old)).status_code == 200
    assert await Customer.filter(account_id=tenant.account.id).count() == 0
    assert await Message.filter(account_id=tenant.account.id).count() == 0
    created = await Event.filter(account_id=tenant.account.id, type="customer.created").count()
    assert created == 1


async def test_a_new_message_after_the_deletion_creates_a_new_customer(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    assert (await post_signed(client, _batch(tenant, "wamid.OLD", "before"))).status_code == 200
    await _delete(client, tenant)
    assert (await post_signed(client, _batch(tenant, "wamid.NEW", "after"))).status_code == 200
    customer = await Customer.get(account_id=tenant.account.id, phone=PHONE)
    stored = await Message.filter(customer_id=customer.id)
    assert [m.text for m in stored] == ["after"]


async def test_tombstones_are_forgotten_once_meta_stops_redelivering(
    client: httpx.AsyncClient, tenant: Tenant, clock: FrozenClock
) -> None:
    old = _batch(tenant, "wamid.OLD", "before")
    assert (await post_signed(client, old)).status_code == 200
    await _delete(client, tenant)
    assert await purge_tombstones(clock.now() + dt.timedelta(days=6)) == 0
    assert await purge_tombstones(clock.now() + dt.timedelta(days=8)) == 1
