"""Helpers of the campaign API tests: customers and labels arranged in the database, approved
templates through the API, and create-campaign as a client calls it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from mumble.models import CampaignRecipient, Customer, CustomerLabel, Label
from mumble.models.states import Consent
from tests.api import body, get, post
from tests.conftest import SandboxHandle, Tenant
from tests.templates.support import approved_template

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


async def label(tenant: Tenant, name: str) -> Label:
    return await Label.create(account_id=tenant.account.id, name=name)


async def customer(
    tenant: Tenant, phone: str, *labels: Label, opted_out: bool = False, **fields: Any
) -> Customer:
    """A customer of the tenant with these labels (and fields)."""
    made = await Customer.create(
        account_id=tenant.account.id,
        phone=phone,
        updated_at=NOW,
        marketing_consent=Consent.OPTED_OUT if opted_out else None,
        **fields,
    )
    for each in labels:
        await CustomerLabel.create(customer=made, label=each)
    return made


async def sale_template(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, **fields: Any
) -> dict[str, Any]:
    """An approved MARKETING template with one body variable."""
    spec = {
        "name": "sale",
        "category": "MARKETING",
        "body": "Hi {{1}}, our sale starts now!",
        "body_examples": ["Ann"],
        **fields,
    }
    return await approved_template(client, sandbox, tenant, **spec)


async def create(client: httpx.AsyncClient, tenant: Tenant, **fields: Any) -> httpx.Response:
    return await post(client, tenant, "create-campaign", fields)


async def created(client: httpx.AsyncClient, tenant: Tenant, **fields: Any) -> dict[str, Any]:
    response = await create(client, tenant, **fields)
    assert response.status_code == 200, response.text
    answer = body(response)
    assert answer["success"] is True
    campaign: dict[str, Any] = answer["campaign"]
    return campaign


async def detail(client: httpx.AsyncClient, tenant: Tenant, campaign_id: str) -> dict[str, Any]:
    response = await get(client, tenant, "get-campaign", campaign_id=campaign_id)
    assert response.status_code == 200, response.text
    campaign: dict[str, Any] = body(response)["campaign"]
    return campaign


async def stored(campaign_id: str) -> list[tuple[str | None, str, str | None]]:
    """The campaign's recipients as stored, in order: (phone, status, skip_reason)."""
    rows = await CampaignRecipient.filter(campaign_id=campaign_id).order_by("id")
    return [(row.phone, str(row.status), row.skip_reason) for row in rows]
