"""Shared fixtures: a migrated database per test, the app served over real HTTP, tenants."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from starlette.applications import Starlette

from mumble.accounts import service as accounts
from mumble.app import create_app
from mumble.models import Account
from mumble.settings import Settings
from tests.clock import FrozenClock
from tests.database import TestDatabases, truncate_all
from tests.live import serve


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestDatabases]:
    dbs = TestDatabases(
        os.environ.get("MUMBLE_TEST_DATABASE_URL"), tmp_path_factory.mktemp("db-template")
    )
    dbs.setup()
    yield dbs
    dbs.teardown()


@pytest.fixture
def database_url(databases: TestDatabases, tmp_path: Path) -> str:
    return databases.fresh(tmp_path)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        allow_private_urls=True,
        rate_limit_storage=os.environ.get("MUMBLE_TEST_RATE_LIMIT_STORAGE", "memory://"),
    )


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def app(settings: Settings, clock: FrozenClock) -> Starlette:
    return create_app(settings, clock=clock)


@pytest_asyncio.fixture
async def server(app: Starlette, databases: TestDatabases) -> AsyncIterator[str]:
    """The app on a real loopback socket; yields its base URL. The ORM is open meanwhile."""
    async with serve(app) as url:
        if databases.postgres:
            await truncate_all()
        yield url


@pytest_asyncio.fixture
async def client(server: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server, timeout=30) as http:
        yield http


@dataclasses.dataclass(frozen=True)
class Tenant:
    """An account with one full-access API key, as a client would hold it."""

    account: Account
    key: str
    key_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Mumble-Api-Key": self.key}


MakeTenant = Callable[..., Awaitable[Tenant]]


@pytest.fixture
def make_tenant(server: str) -> MakeTenant:
    async def make(name: str = "Acme", **channel: str) -> Tenant:
        account = await accounts.create_account(name, accounts.Channel(**channel))
        key, plaintext = await accounts.create_key(account.id)
        return Tenant(account=account, key=plaintext, key_id=str(key.id))

    return make


@pytest_asyncio.fixture
async def tenant(make_tenant: MakeTenant) -> Tenant:
    return await make_tenant("Acme")


@pytest_asyncio.fixture
async def other_tenant(make_tenant: MakeTenant) -> Tenant:
    return await make_tenant("Other Co")
