"""Small builders for customer tests: act through the public HTTP API as a client would."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api import get, ok, post
from tests.conftest import Tenant

PHONE = "972501234567"


async def add_customer(
    client: httpx.AsyncClient, tenant: Tenant, phone: str = PHONE, **fields: Any
) -> httpx.Response:
    response = await post(client, tenant, "add-new-customer", customer_phone=phone, **fields)
    ok(response)
    return response


async def get_customer(
    client: httpx.AsyncClient, tenant: Tenant, phone: str = PHONE
) -> httpx.Response:
    return await get(client, tenant, "get-customer", customer_phone=phone)
