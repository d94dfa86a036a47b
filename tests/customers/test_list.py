"""get-all-customers: 250 a page in a stable order, with the reference's paging fields."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

from mumble.models import Customer, CustomerLabel, Label
from mumble.team.service import create_agent, create_team
from tests.conftest import Tenant
from tests.customers.support import add_customer


async def _page(client: httpx.AsyncClient, tenant: Tenant, page: Any = None) -> httpx.Response:
    params: dict[str, Any] = {} if page is None else {"page": page}
    return await client.get("/mumbleapi/get-all-customers", params=params, headers=tenant.headers)


async def test_empty_account_lists_nothing(client: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await _page(client, tenant)
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "customers": [],
        "total": 0,
        "pages": 0,
        "current_page": 1,
        "per_page": 250,
        "total_pages": 0,
    }


async def test_pagination_over_251_customers(client: httpx.AsyncClient, tenant: Tenant) -> None:
    # Stored directly: 251 HTTP adds would only slow the test down.
    await Customer.bulk_create(
        [
            Customer(account_id=tenant.account.id, phone=f"1555{i:07d}", name=f"C{i}")
            for i in range(251)
        ]
    )
    first = (await _page(client, tenant)).json()
    assert len(first["customers"]) == 250
    assert first["total"] == 251
    assert first["pages"] == first["total_pages"] == 2
    assert first["current_page"] == 1
    assert first["per_page"] == 250
    second = (await _page(client, tenant, 2)).json()
    assert len(second["customers"]) == 1
    assert second["current_page"] == 2
    ids = [c["id"] for c in first["customers"] + second["customers"]]
    assert len(set(ids)) == 251
    # Stable: asking again gives the same order.
    again = (await _page(client, tenant, "1")).json()
    assert [c["id"] for c in again["customers"]] == ids[:250]
    past = (await _page(client, tenant, 3)).json()
    assert past["customers"] == []
    assert past["total"] == 251
    assert past["current_page"] == 3


async def test_order_is_creation_order(client: httpx.AsyncClient, tenant: Tenant) -> None:
    for index, phone in enumerate(["15550000003", "15550000001", "15550000002"]):
        await add_customer(client, tenant, phone, name=f"n{index}")
    names = [c["name"] for c in (await _page(client, tenant)).json()["customers"]]
    assert names == ["n0", "n1", "n2"]


async def test_bad_page_is_400(client: httpx.AsyncClient, tenant: Tenant) -> None:
    for page in ("0", "-1", "abc", "1.5"):
        response = await _page(client, tenant, page)
        assert response.status_code == 400, page
        assert response.json() == {"error": True, "message": "'page' must be a positive integer"}
    body = await client.request(
        "GET", "/mumbleapi/get-all-customers", json={"page": 0}, headers=tenant.headers
    )
    assert body.status_code == 400


async def test_page_in_a_json_body_on_get(client: httpx.AsyncClient, tenant: Tenant) -> None:
    await add_customer(client, tenant)
    response = await client.request(
        "GET", "/mumbleapi/get-all-customers", json={"page": 2}, headers=tenant.headers
    )
    assert response.status_code == 200
    assert response.json()["current_page"] == 2
    assert response.json()["customers"] == []


async def test_listed_customers_carry_labels_agent_team_and_bot(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    agent = await create_agent(tenant.account.id, "Ann")
    team = await create_team(tenant.account.id, "Support", [str(agent.id)])
    for i in range(3):
        await add_customer(client, tenant, f"1415555260{i}", bot_token="AI", tier=i)
    label = await Label.create(account_id=tenant.account.id, name="VIP")
    await Customer.filter(account_id=tenant.account.id).update(agent_id=agent.id, team_id=team.id)
    for customer in await Customer.all():
        await CustomerLabel.create(customer=customer, label=label)
    listed = (await _page(client, tenant)).json()["customers"]
    assert len(listed) == 3
    for index, customer in enumerate(listed):
        assert customer["agent"] == {"id": str(agent.id), "name": "Ann"}
        assert customer["team"] == {"id": str(team.id), "name": "Support"}
        assert customer["labels"] == ["VIP"]
        assert customer["bot"]["type"] == "AI"
        assert customer["custom_fields"] == {"tier": index}
        assert customer["country"] == "US"


# True in the task serving an HTTP request (and tasks it starts), never in the app's background
# loops: uvicorn runs each request in a task of its own, started with a copy of the context.
_IN_REQUEST: contextvars.ContextVar[bool] = contextvars.ContextVar("in_request", default=False)


class _MarksRequests:
    """The app as served, with `_IN_REQUEST` set while it handles an HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = _IN_REQUEST.set(True)
        try:
            await self.app(scope, receive, send)
        finally:
            _IN_REQUEST.reset(token)


@pytest.fixture
def app(app: Starlette) -> ASGIApp:
    return _MarksRequests(app)


class _QueryCounter(logging.Handler):
    """Counts the SQL statements Tortoise logs (it logs each one at DEBUG, in the task that
    runs it) on behalf of an HTTP request; the worker's and listener's own are not counted."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if _IN_REQUEST.get():
            self.count += 1


async def _queries_for_page(
    client: httpx.AsyncClient, tenant: Tenant, *, noise: bool = False
) -> int:
    """How many statements one get-all-customers request runs. With `noise`, another task
    queries the database all the while, as the app's worker and listener loops do."""
    logger = logging.getLogger("tortoise.db_client")
    counter = _QueryCounter()
    previous = logger.level
    logger.addHandler(counter)
    logger.setLevel(logging.DEBUG)
    done = asyncio.Event()

    async def background() -> int:
        queries = 0
        while not done.is_set():
            await Customer.filter(account_id=tenant.account.id).count()
            queries += 1
            await asyncio.sleep(0)
        return queries

    loop = asyncio.create_task(background()) if noise else None
    try:
        response = await _page(client, tenant)
    finally:
        done.set()
        if loop is not None:
            assert await loop > 0  # the noise did run while the request was counted
        logger.removeHandler(counter)
        logger.setLevel(previous)
    assert response.status_code == 200
    return counter.count


async def test_the_query_count_is_the_requests_own(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    # The listing test below was flaky: the worker's and the listener's queries, running in the
    # same process meanwhile, were counted as the request's.
    await add_customer(client, tenant)
    await _queries_for_page(client, tenant)  # warm-up: the first call also records key usage
    quiet = await _queries_for_page(client, tenant)
    assert quiet > 0
    assert await _queries_for_page(client, tenant, noise=True) == quiet


async def test_listing_does_not_query_per_customer(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    agent = await create_agent(tenant.account.id, "Ann")
    team = await create_team(tenant.account.id, "Support", [str(agent.id)])
    label = await Label.create(account_id=tenant.account.id, name="VIP")

    async def grow_to(size: int) -> None:
        existing = await Customer.filter(account_id=tenant.account.id).count()
        await Customer.bulk_create(
            [
                Customer(
                    account_id=tenant.account.id,
                    phone=f"1555{i:07d}",
                    agent_id=agent.id,
                    team_id=team.id,
                )
                for i in range(existing, size)
            ]
        )
        linked = await CustomerLabel.filter(label=label).values_list("customer_id", flat=True)
        await CustomerLabel.bulk_create(
            [
                CustomerLabel(customer_id=customer_id, label=label)
                for customer_id in await Customer.exclude(id__in=list(linked)).values_list(
                    "id", flat=True
                )
            ]
        )

    await grow_to(2)
    await _queries_for_page(client, tenant)  # warm-up: the first call also records key usage
    small = await _queries_for_page(client, tenant)
    await grow_to(250)
    large = await _queries_for_page(client, tenant)
    assert 0 < large == small <= 10
