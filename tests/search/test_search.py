"""search-customers: each filter, keyset paging while customers are added, refusals, access."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from mumble.bots.service import create_bot
from mumble.models import Customer
from mumble.team.service import create_agent, create_team
from tests.access import key_with_permissions
from tests.api import body, get, ok, post
from tests.clock import FrozenClock
from tests.conftest import Tenant


async def _import(client: httpx.AsyncClient, tenant: Tenant, rows: list[dict[str, Any]]) -> None:
    answer = ok(await post(client, tenant, "import-customers", customers=rows))
    assert answer["totals"]["error"] == 0, answer


async def _phones(client: httpx.AsyncClient, tenant: Tenant, **query: Any) -> list[str]:
    page = ok(await get(client, tenant, "search-customers", **query))
    assert page["next_cursor"] is None
    return [customer["phone"] for customer in page["customers"]]


async def _label(client: httpx.AsyncClient, tenant: Tenant, name: str, *phones: str) -> None:
    ok(await post(client, tenant, "add-new-label", label_name=name))
    for phone in phones:
        ok(
            await post(
                client, tenant, "add-customer-to-label", customer_phone=phone, label_name=name
            )
        )


A, B, C, D = "14155550001", "14155550002", "14155550003", "14155550004"


async def test_each_filter(client: httpx.AsyncClient, tenant: Tenant) -> None:
    await _import(
        client,
        tenant,
        [
            {"customer_phone": A, "name": "Ann Smith", "email": "ann@acme.com"},
            {"customer_phone": B, "name": "Bob", "email": "BOB@Example.com", "bot_token": "AI"},
            {"customer_phone": C, "name": "100% Carla"},
            {"customer_phone": D, "name": "Dan", "bot_token": "turn_off"},
        ],
    )
    await _label(client, tenant, "VIP", A, B)
    await _label(client, tenant, "Gold, old", B, C)
    agent = await create_agent(tenant.account.id, "Dana")
    team = await create_team(tenant.account.id, "Support", [str(agent.id)])
    bot = await create_bot(tenant.account.id, "Flow")
    ok(
        await post(
            client, tenant, "assign-customer-to-agent", customer_phone=A, agent_id=str(agent.id)
        )
    )
    ok(
        await post(
            client, tenant, "assign-customer-to-team", customer_phone=C, team_id=str(team.id)
        )
    )
    ok(await post(client, tenant, "assign-bot", customer_phone=C, bot_token=str(bot.id)))
    ok(await post(client, tenant, "edit-customer-conv-status", customer_phone=D, status="open"))
    for query, expected in (
        ({}, [A, B, C, D]),
        ({"labels": "VIP"}, [A, B]),
        ({"labels": '["VIP", "Gold, old"]'}, [A, B, C]),
        ({"labels": '["VIP", "Gold, old"]', "labels_match": "all"}, [B]),
        ({"conversation_status": "open"}, [D]),
        ({"conversation_status": "new,open"}, [A, B, C, D]),
        ({"agent_id": str(agent.id)}, [A]),
        ({"agent_id": "none"}, [B, C, D]),
        ({"team_id": str(team.id)}, [C]),
        ({"team_id": "NONE"}, [A, B, D]),
        ({"bot": "ai"}, [B]),
        ({"bot": str(bot.id)}, [C]),
        ({"bot": "none"}, [A, D]),
        ({"query": "SMITH"}, [A]),
        ({"query": "example.com"}, [B]),
        ({"query": "100%"}, [C]),
        ({"query": "%"}, [C]),
        ({"query": "+1 415 555 0003"}, [C]),
        ({"query": "1415555"}, [A, B, C, D]),
        ({"labels": "VIP", "agent_id": "none"}, [B]),
    ):
        assert await _phones(client, tenant, **query) == expected, query


async def test_dates(client: httpx.AsyncClient, tenant: Tenant, clock: FrozenClock) -> None:
    await _import(client, tenant, [{"customer_phone": phone} for phone in (A, B, C)])
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for days, phone in enumerate((A, B, C)):
        await Customer.filter(phone=phone).update(
            created_at=base + dt.timedelta(days=days),
            last_interaction=base + dt.timedelta(days=10 - days),
        )
    assert await _phones(client, tenant, created_since="2026-01-02T00:00:00Z") == [B, C]
    assert await _phones(client, tenant, created_since="2026-01-02") == [B, C]
    assert await _phones(client, tenant, last_interaction_before="2026-01-10T00:00:01Z") == [B, C]
    assert await _phones(client, tenant, last_interaction_after="2026-01-09T12:00:00+02:00") == [
        A,
        B,
    ]
    clock.advance(hours=1)
    since = clock.now().isoformat()
    ok(await post(client, tenant, "edit-customer", customer_phone=B, name="Changed"))
    assert await _phones(client, tenant, updated_since=since) == [B]
    page = ok(await get(client, tenant, "search-customers", updated_since=since))
    assert page["customers"][0]["updated_at"] == "2026-06-29T13:00:00Z"


async def test_paging_neither_skips_nor_repeats_while_customers_are_added(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    phones = [f"141555501{i:02d}" for i in range(7)]
    await _import(client, tenant, [{"customer_phone": phone} for phone in phones])
    seen: list[str] = []
    cursor = None
    added = 0
    while True:
        query: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = ok(await get(client, tenant, "search-customers", **query))
        seen += [customer["phone"] for customer in page["customers"]]
        cursor = page["next_cursor"]
        if added < 2:
            # Another writer adds a customer between every page.
            added += 1
            await _import(client, tenant, [{"customer_phone": f"14155559{added:03d}"}])
        if cursor is None:
            break
    assert seen == [*phones, "14155559001", "14155559002"]
    assert len(seen) == len(set(seen))


async def test_refusals(client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant) -> None:
    await _import(client, tenant, [{"customer_phone": A}, {"customer_phone": B}])
    foreign = await create_agent(other_tenant.account.id, "Theirs")
    cursor = ok(await get(client, tenant, "search-customers", limit=1))["next_cursor"]
    assert cursor
    for query, status, message in (
        ({"labels": "nope"}, 404, "Label not found"),
        ({"agent_id": str(foreign.id)}, 404, "Agent not found"),
        ({"agent_id": "not-a-uuid"}, 404, "Agent not found"),
        ({"team_id": str(foreign.id)}, 404, "Team not found"),
        ({"bot": "flow"}, 404, "Bot not found."),
        ({"conversation_status": "opened"}, 400, "Invalid conversation status."),
        ({"labels_match": "some"}, 400, "'labels_match' must be any or all"),
        (
            {"updated_since": "yesterday"},
            400,
            "'updated_since' must be an RFC 3339 time such as 2026-06-29T12:00:00Z",
        ),
        ({"limit": 251}, 400, "'limit' must be an integer from 1 to 250"),
        ({"limit": 0}, 400, "'limit' must be an integer from 1 to 250"),
        ({"cursor": "garbage"}, 400, "Invalid cursor"),
        ({"cursor": cursor, "query": "x"}, 400, "Invalid cursor"),
        ({"labels": '["a"'}, 400, "'labels' must be a list of at most 20 texts of 100 characters"),
    ):
        response = await get(client, tenant, "search-customers", **query)
        assert response.status_code == status, query
        assert body(response)["message"] == message, query


async def test_a_second_account_and_a_read_only_role(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    await _import(client, tenant, [{"customer_phone": A}])
    await _import(client, other_tenant, [{"customer_phone": B}])
    assert await _phones(client, other_tenant) == [B]
    reader = await key_with_permissions(tenant.account, "reader", ["customers:read"])
    assert [c["phone"] for c in ok(await get(client, reader, "search-customers"))["customers"]] == [
        A
    ]
    no_read = await key_with_permissions(tenant.account, "labels", ["labels:read"])
    denied = await get(client, no_read, "search-customers")
    assert denied.status_code == 401
    assert body(denied)["message"] == "User not authorized to read customers."
