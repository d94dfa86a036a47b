"""/healthz and /readyz over real HTTP: each dependency failure is named, nothing needs a key."""

from __future__ import annotations

import dataclasses
import socket

import httpx
from tortoise import Tortoise

from mumble.app import create_app
from mumble.settings import Settings
from tests.clock import FrozenClock
from tests.live import serve


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_healthz_answers_without_a_key_and_echoes_the_request_id(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "probe-1"})

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["X-Request-ID"] == "probe-1"


async def test_readyz_reports_every_check_when_all_pass(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "rate_limit_storage", "graph_api"}
    for check in body["checks"].values():
        assert check["ok"] is True
        assert 0 <= check["latency_ms"] < 2000
        assert "error" not in check


async def test_probes_are_not_rate_limited(settings: Settings, clock: FrozenClock) -> None:
    tight = dataclasses.replace(settings, rate_limit_per_ip="1/minute")
    async with serve(create_app(tight, clock=clock)) as url, httpx.AsyncClient(base_url=url) as c:
        statuses = [(await c.get(path)).status_code for path in ["/healthz", "/readyz"] * 3]

    assert statuses == [200] * 6


async def _readyz(settings: Settings, clock: FrozenClock) -> httpx.Response:
    async with serve(create_app(settings, clock=clock)) as url, httpx.AsyncClient() as http:
        return await http.get(url + "/readyz")


async def test_readyz_names_an_unreachable_graph_api(
    settings: Settings, clock: FrozenClock
) -> None:
    broken = dataclasses.replace(settings, whatsapp_api_url=f"http://127.0.0.1:{closed_port()}")

    response = await _readyz(broken, clock)

    assert response.status_code == 503
    assert response.json() == {
        "error": True,
        "message": "Not ready: graph_api",
        "details": ["graph_api: ClientConnectorError"],
    }


async def test_readyz_names_a_redis_rate_limit_storage_that_is_down(
    settings: Settings, clock: FrozenClock
) -> None:
    broken = dataclasses.replace(
        settings, rate_limit_storage=f"redis://127.0.0.1:{closed_port()}/0"
    )

    response = await _readyz(broken, clock)

    assert response.status_code == 503
    body = response.json()
    assert body["message"] == "Not ready: rate_limit_storage"
    assert len(body["details"]) == 1
    assert body["details"][0].startswith("rate_limit_storage: ")


async def test_readyz_names_an_unreachable_database(settings: Settings, clock: FrozenClock) -> None:
    # PostgreSQL connects lazily, so the app starts and the probe is what notices.
    broken = dataclasses.replace(
        settings,
        database_url=f"postgres://postgres@127.0.0.1:{closed_port()}/mumble",
        run_worker=False,
        template_sync_seconds=0,
    )

    response = await _readyz(broken, clock)

    assert response.status_code == 503
    assert response.json() == {
        "error": True,
        "message": "Not ready: database",
        "details": ["database: ConnectionRefusedError"],
    }


async def test_readyz_names_the_database_once_its_connections_are_gone(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.get("/readyz")).status_code == 200
    await Tortoise.close_connections()

    response = await client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["message"] == "Not ready: database"
    assert body["details"][0].startswith("database: ")


async def test_readyz_failure_names_every_failed_check(
    settings: Settings, clock: FrozenClock
) -> None:
    broken = dataclasses.replace(
        settings,
        whatsapp_api_url=f"http://127.0.0.1:{closed_port()}",
        rate_limit_storage=f"redis://127.0.0.1:{closed_port()}/0",
    )

    response = await _readyz(broken, clock)

    assert response.status_code == 503
    assert response.json()["message"] == "Not ready: rate_limit_storage, graph_api"


async def test_an_unsafe_request_id_is_replaced_by_a_fresh_one(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})

    request_id = response.headers["X-Request-ID"]
    assert len(request_id) == 32
    assert int(request_id, 16) >= 0
