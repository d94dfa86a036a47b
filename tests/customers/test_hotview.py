"""get-customer's one-statement read (PostgreSQL) gives exactly the general path's view."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mumble.customers import hotview
from mumble.customers.recipient import Recipient
from mumble.customers.views import customer_view
from mumble.models import Customer
from tests.conftest import Tenant

PHONES = ("972501234567", "14155550123", "972509999999")


async def _post(client: httpx.AsyncClient, tenant: Tenant, path: str, **body: Any) -> Any:
    response = await client.post(f"/mumbleapi/{path}", json=body, headers=tenant.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_one_statement_view_equals_the_general_paths(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    if not hotview.available():
        pytest.skip("the one-statement read is PostgreSQL's")
    first, second, third = PHONES
    await _post(
        client, tenant, "add-new-customer", customer_phone=first, name="Dana",
        email="dana@example.com", utm_source="ads", tier="gold",
    )  # fmt: skip
    await _post(client, tenant, "add-new-customer", customer_phone=second)
    await _post(client, tenant, "add-new-customer", customer_phone=third, name="Bare")
    for label in ("VIP", "Leads", "Zeta"):
        await _post(client, tenant, "add-new-label", label_name=label)
    for label in ("Zeta", "VIP", "Leads"):
        await _post(client, tenant, "add-customer-to-label", customer_phone=first, label_name=label)
    agent = (await _post(client, tenant, "add-agent", name="Omer"))["agent"]
    team = (await _post(client, tenant, "add-team", name="Support"))["team"]
    bot = (await _post(client, tenant, "add-bot", name="Greeter"))["bot"]
    await _post(
        client, tenant, "assign-customer-to-agent", customer_phone=first, agent_id=agent["id"]
    )
    await _post(client, tenant, "assign-customer-to-team", customer_phone=first, team_id=team["id"])
    await _post(client, tenant, "assign-bot", customer_phone=first, bot_token=bot["id"])
    await _post(client, tenant, "assign-bot", customer_phone=second, bot_token="AI")
    await _post(client, tenant, "assign-bot", customer_phone=third, bot_token="turn_off")
    await _post(client, tenant, "set-consent", customer_phone=second, marketing="opted_out")
    for phone in PHONES:
        customer = await Recipient(phone=phone).get(tenant.account.id)
        found = await hotview.view_by_phone(tenant.account.id, phone)
        assert found == (str(customer.id), await customer_view(customer))
    assert await hotview.view_by_phone(other_tenant.account.id, first) is None
    assert await hotview.view_by_phone(tenant.account.id, "972500000000") is None
    assert await Customer.filter(account_id=tenant.account.id).count() == 3
