"""The functions other domains call: Recipient.get, ensure_customer, customer_view."""

from __future__ import annotations

import httpx
import pytest

from mumble.bots.service import create_bot
from mumble.customers.recipient import Recipient
from mumble.customers.service import ensure_customer
from mumble.customers.views import customer_view
from mumble.errors import BadRequest, NotFound
from mumble.models import Customer, Event
from tests.clock import FrozenClock
from tests.conftest import Tenant
from tests.customers.support import PHONE, add_customer, get_customer
from tests.database import column


async def test_finding_a_customer_is_scoped_to_the_account(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    await add_customer(client, tenant, name="Found")
    assert (await Recipient(phone=PHONE).get(tenant.account.id)).name == "Found"
    with pytest.raises(NotFound, match="Customer not found"):
        await Recipient(phone=PHONE).get(other_tenant.account.id)


NOW = FrozenClock().now()


async def test_ensure_customer_creates_then_updates_all_but_the_profile(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    account_id = tenant.account.id
    created = await ensure_customer(account_id, PHONE, NOW, name="New", source="whatsapp")
    assert created.conversation_status == "new"
    assert created.country == "IL"
    again = await ensure_customer(account_id, PHONE, NOW)
    assert again.id == created.id
    bot = await create_bot(account_id, "Flow")
    updated = await ensure_customer(
        account_id, PHONE, NOW, email="A@Example.com", bot_token=str(bot.id), name="Other"
    )
    assert updated.id == created.id
    view = (await get_customer(client, tenant)).json()["customer"]
    # name and email are the profile of a created customer: an existing one keeps its own.
    assert view["name"] == "New"
    assert view["email"] is None
    assert view["source"] == "whatsapp"
    assert view["bot"] == {"type": "flow", "id": str(bot.id), "name": "Flow"}
    types = column(
        await Event.filter(account_id=account_id).order_by("seq").values_list("type", flat=True)
    )
    assert types == ["customer.created", "customer.updated"]
    assert await Customer.all().count() == 1


async def test_ensure_customer_validates_like_add(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    with pytest.raises(BadRequest) as bad_email:
        await ensure_customer(tenant.account.id, PHONE, NOW, email="nope")
    assert bad_email.value.message == "Failed to add customer due to invalid input"
    assert bad_email.value.details is not None
    assert bad_email.value.details[0].startswith("email:")
    with pytest.raises(NotFound, match=r"Bot not found\."):
        await ensure_customer(tenant.account.id, PHONE, NOW, bot_token="ghost")
    with pytest.raises(BadRequest):
        await ensure_customer(tenant.account.id, PHONE, NOW, name="x" * 201)
    assert await Customer.all().count() == 0


async def test_customer_view_matches_get_customer(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await add_customer(client, tenant, name="View", bot_token="turn_off", utm_term="t", k=1)
    customer = await Recipient(phone=PHONE).get(tenant.account.id)
    assert await customer_view(customer) == (await get_customer(client, tenant)).json()["customer"]
