"""A lost database connection: reads are retried once on a fresh connection, anything else is a
clean 503 with Retry-After (never a 500), and what failed can be retried.

On PostgreSQL the drop is real (`pg_terminate_backend` of every backend the app holds). The
answers at chosen queries are driven by failing the n-th driver call of a request the way
asyncpg fails on a terminated backend; SQLite has no server connection to lose, so there that
injection is the only drop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import aiosqlite
import asyncpg
import httpx
import pytest

from mumble.models import Label, Message
from tests.api import get, post
from tests.conftest import Tenant
from tests.database import is_postgres
from tests.messages.support import PHONE, messages_envelope, post_signed

_DRIVER_CALLS = {
    asyncpg.Connection: ("fetch", "fetchrow", "execute", "executemany"),
    aiosqlite.Connection: ("execute", "execute_fetchall", "execute_insert", "executemany"),
}


def _in_a_request() -> bool:
    """Only requests lose their connection here, not the app's background workers."""
    task = asyncio.current_task()
    return task is not None and "run_asgi" in task.get_coro().__qualname__  # type: ignore[union-attr]


@contextmanager
def dropped(monkeypatch: pytest.MonkeyPatch, *failing: int) -> Iterator[None]:
    """The `failing` driver calls (1-based, counted over requests) raise as a terminated
    PostgreSQL backend does."""
    calls = [0]

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        async def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            if _in_a_request():
                calls[0] += 1
                if calls[0] in failing:
                    raise asyncpg.ConnectionDoesNotExistError(
                        "connection was closed in the middle of operation"
                    )
            return await original(self, *args, **kwargs)

        return call

    with monkeypatch.context() as patch:
        for kind, names in _DRIVER_CALLS.items():
            for name in names:
                patch.setattr(kind, name, wrap(getattr(kind, name)))
        yield


async def _terminate_backends(database_url: str) -> None:
    """Kill every server process of the app's database (what an operator or a failover does)."""
    name = database_url.rsplit("/", 1)[1].split("?")[0]
    admin = await asyncpg.connect(database_url.rsplit("/", 1)[0] + "/postgres")
    try:
        pids = await admin.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", name
        )
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid",
            [row["pid"] for row in pids],
        )
        # pg_terminate_backend only signals: poll until the backends are gone (no event exists).
        while await admin.fetchval(  # noqa: ASYNC110
            "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1::int[])",
            [row["pid"] for row in pids],
        ):
            await asyncio.sleep(0.01)
    finally:
        await admin.close()


async def test_a_read_that_loses_its_connection_is_retried_and_answers_200(
    client: httpx.AsyncClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    with dropped(monkeypatch, 1):  # authentication's query
        first = await get(client, tenant, "get-labels")
    with dropped(monkeypatch, 2):  # the handler's query
        second = await get(client, tenant, "get-labels")

    assert first.status_code == 200, first.text
    assert second.status_code == 200, second.text


async def test_a_write_that_loses_its_connection_is_a_clean_503_and_its_retry_works(
    client: httpx.AsyncClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    with dropped(monkeypatch, *range(2, 20)):  # every query after authentication's
        lost = await post(client, tenant, "add-new-label", label_name="VIP")
    retried = await post(client, tenant, "add-new-label", label_name="VIP")

    assert lost.status_code == 503
    assert lost.json() == {"error": True, "message": "Database unavailable, retry shortly"}
    assert lost.headers["Retry-After"] == "1"
    assert retried.status_code == 200, retried.text
    assert await Label.filter(account_id=tenant.account.id).count() == 1


async def test_a_read_that_loses_its_connection_twice_is_a_503_not_a_500(
    client: httpx.AsyncClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    with dropped(monkeypatch, 1, 2):
        response = await get(client, tenant, "get-labels")

    assert response.status_code == 503
    assert response.json()["message"] == "Database unavailable, retry shortly"


async def test_a_webhook_batch_that_loses_its_connection_is_503_and_meta_s_retry_stores_it_once(
    client: httpx.AsyncClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    envelope = messages_envelope(
        tenant,
        contacts=[{"wa_id": PHONE, "profile": {"name": "Dana"}}],
        messages=[
            {"from": PHONE, "id": "wamid.lost1", "timestamp": "1", "type": "text",
             "text": {"body": "Hi"}},
        ],
    )  # fmt: skip
    with dropped(monkeypatch, *range(1, 50)):
        lost = await post_signed(client, envelope)
    retried = await post_signed(client, envelope)

    assert lost.status_code == 503  # Meta retries anything but 200
    assert retried.status_code == 200
    assert await Message.filter(account_id=tenant.account.id, wamid="wamid.lost1").count() == 1


async def test_backends_terminated_under_a_burst_never_answer_500(
    client: httpx.AsyncClient, tenant: Tenant, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    statuses: list[int] = []
    for round_ in range(4):
        if is_postgres(database_url):
            await _terminate_backends(database_url)
            failing: tuple[int, ...] = ()
        else:
            failing = (1, 3, 6)
        with dropped(monkeypatch, *failing):
            answers = await asyncio.gather(
                *(get(client, tenant, "get-labels") for _ in range(5)),
                *(post(client, tenant, "add-new-label", label_name=f"L{round_}-{n}")
                  for n in range(5)),
            )  # fmt: skip
        statuses += [answer.status_code for answer in answers]

    assert 500 not in statuses
    assert set(statuses) <= {200, 503}
    # Every read was answered: a read is retried on a fresh connection.
    assert statuses.count(200) >= 4 * 5
