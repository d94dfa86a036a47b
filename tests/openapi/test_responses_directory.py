"""Real answers of the customers, labels, team and bots endpoints match the document."""

from __future__ import annotations

from typing import Any

import httpx

from mumble.bots import service as bots
from mumble.team import service as team
from tests.conftest import Tenant
from tests.messages.support import PHONE
from tests.openapi.documented import check


async def test_customer_answers_match_the_document(
    client: httpx.AsyncClient, tenant: Tenant, document: dict[str, Any]
) -> None:
    h = tenant.headers
    body = {"customer_phone": PHONE, "name": "John", "utm_source": "google", "tier": "gold"}
    await check(
        document, client, "POST", "/mumbleapi/add-new-customer", expect=200, json=body, headers=h
    )
    await check(
        document, client, "POST", "/mumbleapi/add-new-customer", expect=409, json=body, headers=h
    )
    await check(
        document,
        client,
        "POST",
        "/mumbleapi/edit-customer",
        expect=200,
        data={"customer_phone": PHONE, "plan": "pro"},
        headers=h,
    )
    await check(
        document,
        client,
        "GET",
        "/mumbleapi/get-customer",
        expect=200,
        params={"customer_phone": PHONE},
        headers=h,
    )
    await check(
        document,
        client,
        "GET",
        "/mumbleapi/get-customer",
        expect=404,
        params={"customer_phone": "15550001111"},
        headers=h,
    )
    await check(document, client, "GET", "/mumbleapi/get-customer", expect=400, headers=h)
    await check(
        document,
        client,
        "GET",
        "/mumbleapi/get-all-customers",
        expect=200,
        params={"page": 1},
        headers=h,
    )
    await check(
        document,
        client,
        "POST",
        "/mumbleapi/edit-customer-conv-status",
        expect=400,
        json={"customer_phone": PHONE, "status": "nope"},
        headers=h,
    )
    await check(
        document,
        client,
        "POST",
        "/mumbleapi/assign-customer-to-agent",
        expect=404,
        json={"customer_phone": PHONE, "agent_id": "x"},
        headers=h,
    )
    await check(
        document,
        client,
        "DELETE",
        "/mumbleapi/delete-customer",
        expect=200,
        params={"customer_phone": PHONE},
        headers=h,
    )


async def test_label_answers_match_the_document(
    client: httpx.AsyncClient, tenant: Tenant, document: dict[str, Any]
) -> None:
    h = tenant.headers
    label = {"label_name": "VIP"}
    await check(
        document, client, "POST", "/mumbleapi/add-new-label", expect=200, json=label, headers=h
    )
    await check(
        document, client, "POST", "/mumbleapi/add-new-label", expect=409, json=label, headers=h
    )
    await check(document, client, "GET", "/mumbleapi/get-labels", expect=200, headers=h)
    await check(
        document,
        client,
        "POST",
        "/mumbleapi/add-customer-to-label",
        expect=404,
        json={"customer_phone": PHONE, **label},
        headers=h,
    )
    await check(
        document, client, "DELETE", "/mumbleapi/delete-label", expect=200, params=label, headers=h
    )


async def test_team_and_bot_answers_match_the_document(
    client: httpx.AsyncClient, tenant: Tenant, document: dict[str, Any]
) -> None:
    h = tenant.headers
    agent = await team.create_agent(tenant.account.id, "Dana")
    await team.create_team(tenant.account.id, "Support", [str(agent.id)])
    await bots.create_bot(tenant.account.id, "Flow")
    await check(document, client, "GET", "/mumbleapi/get-agents", expect=200, headers=h)
    await check(document, client, "GET", "/mumbleapi/get-teams", expect=200, headers=h)
    await check(document, client, "GET", "/mumbleapi/get-bots", expect=200, headers=h)
    await check(
        document,
        client,
        "POST",
        "/mumbleapi/assign-bot",
        expect=404,
        json={"customer_phone": PHONE, "bot_token": "AI"},
        headers=h,
    )
