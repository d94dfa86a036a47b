"""Shared fixtures: a migrated database per test, the app served over real HTTP, tenants."""

from __future__ import annotations

import dataclasses
import itertools
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from starlette.applications import Starlette

from mumble.accounts import service as accounts
from mumble.app import create_app
from mumble.models import Account
from mumble.observability import metrics
from mumble.sandbox import Sandbox, SandboxConfig
from mumble.sandbox.state import ChannelInfo
from mumble.settings import Settings
from tests.clock import FrozenClock
from tests.database import TestDatabases, truncate_all
from tests.live import serve


def _undocumented() -> dict[tuple[str, str], float]:
    """Answers the document does not declare, by (route, status), counted by the endpoints."""
    return {
        (sample.labels["route"], sample.labels["status"]): sample.value
        for family in metrics.UNDOCUMENTED.collect()
        for sample in family.samples
        if sample.name.endswith("_total")
    }


@pytest.fixture(autouse=True)
def every_answer_is_documented(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every status any endpoint answers during any test is one its declaration documents."""
    before = _undocumented()
    yield
    if request.node.get_closest_marker("undocumented_answer"):
        return
    grown = {key: n for key, n in _undocumented().items() if n > before.get(key, 0)}
    assert not grown, f"undocumented answers (route, status): {sorted(grown)}"


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


TEST_APP_SECRET = "test-app-secret"
TEST_VERIFY_TOKEN = "test-verify-token"
TEST_APP_ID = "sandbox-app"


@dataclasses.dataclass(frozen=True)
class SandboxHandle:
    """The running Cloud API sandbox: base URL, the Sandbox object, a client for /_sandbox/."""

    url: str
    sandbox: Sandbox
    control: httpx.AsyncClient

    async def flush(self) -> None:
        """Wait until every webhook the sandbox has scheduled (statuses, reviews) is delivered."""
        await self.sandbox.sender.flush()


@pytest_asyncio.fixture
async def sandbox(clock: FrozenClock) -> AsyncIterator[SandboxHandle]:
    """The sandbox on a real port, sharing the test clock. Statuses are immediate, template
    review is manual (control API) unless a test sets `review_delay`."""
    instance = Sandbox(
        app_secret=TEST_APP_SECRET,
        clock=clock,
        config=SandboxConfig(review_delay=None, status_delay=0.0),
    )
    async with serve(instance.app) as url, httpx.AsyncClient(base_url=url, timeout=30) as control:
        yield SandboxHandle(url=url, sandbox=instance, control=control)


@pytest.fixture
def settings(database_url: str, sandbox: SandboxHandle) -> Settings:
    return Settings(
        database_url=database_url,
        whatsapp_api_url=sandbox.url,
        whatsapp_app_secret=TEST_APP_SECRET,
        whatsapp_verify_token=TEST_VERIFY_TOKEN,
        whatsapp_app_id=TEST_APP_ID,
        allow_private_urls=True,
        rate_limit_storage=os.environ.get("MUMBLE_TEST_RATE_LIMIT_STORAGE", "memory://"),
        # The suite's event loop also runs the sandbox and the database driver, and on a loaded
        # CI machine it stalls past the 250 ms default now and then; a stall looks like a frozen
        # Redis to the client's socket timeout. The stall tests set their own short timeout.
        rate_limit_timeout_ms=2000,
        # Every test app counts in its own keys, so tests stay isolated in a shared Redis.
        rate_limit_key_prefix=f"mumble-test-{uuid.uuid4().hex}",
    )


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def app(settings: Settings, clock: FrozenClock) -> Starlette:
    return create_app(settings, clock=clock)


@pytest_asyncio.fixture
async def server(
    app: Starlette, databases: TestDatabases, sandbox: SandboxHandle
) -> AsyncIterator[str]:
    """The app on a real loopback socket; yields its base URL. The ORM is open meanwhile.
    The sandbox posts its signed webhooks to this server's /webhooks/whatsapp."""
    async with serve(app) as url:
        sandbox.sandbox.sender.url = url + "/webhooks/whatsapp"
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
_channel_numbers = itertools.count(100001)


@pytest.fixture
def make_tenant(server: str, sandbox: SandboxHandle) -> MakeTenant:
    """Each tenant gets a unique WhatsApp channel, registered in the sandbox; keyword
    arguments override its parts (phone_number_id=None gives an account without a channel)."""

    async def make(name: str = "Acme", **channel: str | None) -> Tenant:
        n = next(_channel_numbers)
        values: dict[str, str | None] = {
            "phone_number_id": f"1{n:014d}",
            "waba_id": f"2{n:014d}",
            "access_token": f"EAAtest{n}token",
            "display_phone": f"1555{n:07d}",
        }
        values |= channel
        account = await accounts.create_account(name, accounts.ChannelSettings(**values))
        if account.phone_number_id:
            sandbox.sandbox.state.channels[account.phone_number_id] = ChannelInfo(
                account.phone_number_id,
                account.waba_id or "",
                account.display_phone or "15550000000",
            )
        key, plaintext = await accounts.create_key(account.id)
        return Tenant(account=account, key=plaintext, key_id=str(key.id))

    return make


@pytest_asyncio.fixture
async def tenant(make_tenant: MakeTenant) -> Tenant:
    return await make_tenant("Acme")


@pytest_asyncio.fixture
async def other_tenant(make_tenant: MakeTenant) -> Tenant:
    return await make_tenant("Other Co")
