"""Small builders for customer tests: act through the public HTTP API as a client would."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Tenant

PHONE = "972501234567"


async def add_customer(
    client: httpx.AsyncClient, tenant: Tenant, phone: str = PHONE, **fields: Any
) -> httpx.Response:
    response = await client.post(
        "/mumbleapi/add-new-customer",
        json={"customer_phone": phone, **fields},
        headers=tenant.headers,
    )
    assert response.status_code == 200, response.text
    return response


async def get_customer(
    client: httpx.AsyncClient, tenant: Tenant, phone: str = PHONE
) -> httpx.Response:
    return await client.get(
        "/mumbleapi/get-customer", params={"customer_phone": phone}, headers=tenant.headers
    )
