"""The layered rate limiter as a client sees it: 429s, headers, windows driven by the clock."""

from __future__ import annotations

import dataclasses
import socket
import time
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from mumble.settings import Settings
from tests.access import add_probe_routes, epoch, new_key
from tests.clock import FrozenClock
from tests.conftest import Tenant

LABELS = "/mumbleapi/get-labels"
SEND = "/probe/send"


@pytest.fixture
def overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
def settings(settings: Settings, overrides: dict[str, Any]) -> Settings:
    return dataclasses.replace(settings, **overrides)


@pytest.fixture
def app(app: Starlette) -> Starlette:
    add_probe_routes(app)
    return app


def _quota(response: httpx.Response) -> tuple[int, int, int]:
    h = response.headers
    return int(h["x-ratelimit-limit"]), int(h["x-ratelimit-remaining"]), int(h["x-ratelimit-reset"])


def test_defaults_are_the_documented_ones() -> None:
    defaults = Settings()
    assert defaults.rate_limit_per_key == "600/minute"
    assert defaults.rate_limit_per_ip == "300/minute"
    assert defaults.rate_limit_messaging == "5/second;100/minute;2000/hour"
    assert defaults.rate_limit_storage == "memory://"
    env = Settings.from_env(
        {
            "MUMBLE_RATE_LIMIT_PER_KEY": "60/minute",
            "MUMBLE_RATE_LIMIT_PER_IP": "30/minute",
            "MUMBLE_RATE_LIMIT_MESSAGING": "1/second",
            "MUMBLE_RATE_LIMIT_STORAGE": "redis://127.0.0.1:6379/3",
            "MUMBLE_RATE_LIMIT_FAIL_OPEN": "true",
        }
    )
    assert (env.rate_limit_per_key, env.rate_limit_per_ip, env.rate_limit_messaging) == (
        "60/minute",
        "30/minute",
        "1/second",
    )
    assert env.rate_limit_storage == "redis://127.0.0.1:6379/3"
    assert env.rate_limit_fail_open is True


@pytest.mark.parametrize(
    "overrides", [{"rate_limit_per_ip": "3/minute", "rate_limit_per_key": "100/minute"}]
)
async def test_ip_limit_counts_failed_authentication_and_resets_after_its_window(
    client: httpx.AsyncClient, tenant: Tenant, clock: FrozenClock
) -> None:
    minute_end = epoch(clock.now()) + 60
    guessed = await client.get(LABELS, headers={"Mumble-Api-Key": "mbl_guess"})
    assert guessed.status_code == 401
    assert _quota(guessed) == (3, 2, minute_end)
    missing = await client.get(LABELS)
    assert missing.status_code == 401
    assert _quota(missing) == (3, 1, minute_end)
    ok = await client.get(LABELS, headers=tenant.headers)
    assert ok.status_code == 200
    assert _quota(ok) == (3, 0, minute_end)

    refused = await client.get(LABELS, headers=tenant.headers)
    assert refused.status_code == 429
    assert refused.json() == {
        "error": True,
        "message": "Rate limit exceeded: per-IP limit of 3 per 1 minute reached, "
        "retry in 60 seconds",
    }
    assert refused.headers["retry-after"] == "60"
    assert _quota(refused) == (3, 0, minute_end)

    clock.advance(seconds=59)
    still = await client.get(LABELS, headers=tenant.headers)
    assert still.status_code == 429
    assert still.headers["retry-after"] == "1"
    clock.advance(seconds=1)
    again = await client.get(LABELS, headers=tenant.headers)
    assert again.status_code == 200
    assert _quota(again) == (3, 2, minute_end + 60)


@pytest.mark.parametrize(
    "overrides", [{"rate_limit_per_ip": "100/minute", "rate_limit_per_key": "2/minute"}]
)
async def test_key_limit_trips_at_its_count_per_key_and_resets(
    client: httpx.AsyncClient, tenant: Tenant, clock: FrozenClock
) -> None:
    second_key = await new_key(tenant.account)
    for remaining in (1, 0):
        response = await client.get(LABELS, headers=tenant.headers)
        assert response.status_code == 200
        assert _quota(response)[:2] == (2, remaining)
    refused = await client.get(LABELS, headers=tenant.headers)
    assert refused.status_code == 429
    assert refused.json()["message"] == (
        "Rate limit exceeded: per-key limit of 2 per 1 minute reached, retry in 60 seconds"
    )
    assert refused.headers["retry-after"] == "60"
    # Another key of the same account from the same address has its own budget.
    assert (await client.get(LABELS, headers=second_key)).status_code == 200
    clock.advance(minutes=1)
    assert (await client.get(LABELS, headers=tenant.headers)).status_code == 200


@pytest.mark.parametrize(
    "overrides", [{"rate_limit_per_ip": "unlimited", "rate_limit_per_key": "unlimited"}]
)
async def test_messaging_limit_trips_at_five_per_second_then_a_hundred_per_minute(
    client: httpx.AsyncClient, tenant: Tenant, clock: FrozenClock
) -> None:
    for remaining in (4, 3, 2, 1, 0):
        response = await client.post(SEND, headers=tenant.headers)
        assert response.status_code == 200
        assert _quota(response)[:2] == (5, remaining)
    refused = await client.post(SEND, headers=tenant.headers)
    assert refused.status_code == 429
    assert refused.json()["message"] == (
        "Rate limit exceeded: messaging limit of 5 per 1 second reached, retry in 1 second"
    )
    assert refused.headers["retry-after"] == "1"
    # Non-messaging endpoints are not held back by the messaging limit.
    assert (await client.get(LABELS, headers=tenant.headers)).status_code == 200

    for _ in range(19):  # 19 more seconds at 5 a second: 100 in the minute
        clock.advance(seconds=1)
        for _ in range(5):
            assert (await client.post(SEND, headers=tenant.headers)).status_code == 200
    clock.advance(seconds=1)
    per_minute = await client.post(SEND, headers=tenant.headers)
    assert per_minute.status_code == 429
    assert per_minute.json()["message"] == (
        "Rate limit exceeded: messaging limit of 100 per 1 minute reached, retry in 40 seconds"
    )
    assert per_minute.headers["retry-after"] == "40"
    assert _quota(per_minute) == (100, 0, epoch(clock.now()) + 40)
    clock.advance(seconds=40)
    assert (await client.post(SEND, headers=tenant.headers)).status_code == 200


@pytest.mark.parametrize(
    "overrides",
    [
        {
            "rate_limit_per_ip": "unlimited",
            "rate_limit_per_key": "unlimited",
            "rate_limit_messaging": "100/second;2000/hour",
        }
    ],
)
async def test_messaging_limit_trips_at_two_thousand_per_hour(
    client: httpx.AsyncClient, tenant: Tenant, clock: FrozenClock
) -> None:
    hour_end = epoch(clock.now()) + 3600
    for _ in range(20):
        for _ in range(100):
            response = await client.post(SEND, headers=tenant.headers)
            assert response.status_code == 200
        clock.advance(seconds=1)
    assert _quota(response) == (2000, 0, hour_end)
    refused = await client.post(SEND, headers=tenant.headers)
    assert refused.status_code == 429
    assert refused.json()["message"].startswith(
        "Rate limit exceeded: messaging limit of 2000 per 1 hour reached"
    )
    assert refused.headers["retry-after"] == str(3600 - 20)
    clock.advance(seconds=3600 - 20)
    assert (await client.post(SEND, headers=tenant.headers)).status_code == 200


@pytest.mark.parametrize(
    "overrides",
    [{"rate_limit_per_ip": "unlimited", "rate_limit_messaging": "2/second;5/minute"}],
)
async def test_refused_requests_do_not_use_up_the_longer_windows(
    client: httpx.AsyncClient, tenant: Tenant, clock: FrozenClock
) -> None:
    statuses = []
    for _ in range(3):
        statuses += [
            (await client.post(SEND, headers=tenant.headers)).status_code for _ in range(4)
        ]
        clock.advance(seconds=1)
    # 2 admitted per second; the 2 refusals of each second did not count in the minute.
    assert statuses == [200, 200, 429, 429] * 2 + [200, 429, 429, 429]
    last = await client.post(SEND, headers=tenant.headers)
    assert "limit of 5 per 1 minute" in last.json()["message"]


@pytest.mark.parametrize(
    "overrides", [{"rate_limit_per_ip": "10/minute", "rate_limit_per_key": "4/minute"}]
)
async def test_headers_show_the_tightest_layer(
    client: httpx.AsyncClient, tenant: Tenant, clock: FrozenClock
) -> None:
    minute_end = epoch(clock.now()) + 60
    first = await client.get(LABELS, headers=tenant.headers)
    assert _quota(first) == (4, 3, minute_end)
    # Unauthenticated calls reach only the IP layer.
    for remaining in (8, 7, 6, 5, 4, 3):
        assert _quota(await client.get(LABELS))[:2] == (10, remaining)
    # Key: 2 left of 4; IP: 2 left of 10. Equal remaining: both reset together, either is right.
    second = await client.get(LABELS, headers=tenant.headers)
    assert _quota(second)[1:] == (2, minute_end)
    third = await client.get(LABELS, headers=tenant.headers)
    assert _quota(third)[1] == 1


@pytest.mark.parametrize(
    "overrides", [{"rate_limit_per_ip": "100/minute", "rate_limit_per_key": "3/minute"}]
)
async def test_key_override_and_unlimited(client: httpx.AsyncClient, tenant: Tenant) -> None:
    slow = await new_key(tenant.account, rate_limit="1/minute")
    assert _quota(await client.get(LABELS, headers=slow))[:2] == (1, 0)
    refused = await client.get(LABELS, headers=slow)
    assert refused.status_code == 429
    assert "per-key limit of 1 per 1 minute" in refused.json()["message"]

    free = await new_key(tenant.account, rate_limit="unlimited")
    for _ in range(10):
        response = await client.get(LABELS, headers=free)
        assert response.status_code == 200
    # Only the IP layer applies to an unlimited key (12 calls so far from this address).
    assert _quota(response)[:2] == (100, 88)


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    sock.close()
    return port


@pytest.mark.parametrize(
    "overrides", [{"rate_limit_storage": f"redis://127.0.0.1:{_closed_port()}/0"}]
)
async def test_unreachable_redis_answers_503_quickly(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    started = time.monotonic()
    response = await client.get(LABELS, headers=tenant.headers)
    assert time.monotonic() - started < 3
    assert response.status_code == 503
    assert response.json() == {"error": True, "message": "Rate limit storage is unavailable"}


@pytest.mark.parametrize(
    "overrides",
    [{"rate_limit_storage": f"redis://127.0.0.1:{_closed_port()}/0", "rate_limit_fail_open": True}],
)
async def test_unreachable_redis_with_fail_open_lets_requests_through(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.get(LABELS, headers=tenant.headers)
    assert response.status_code == 200
    assert "x-ratelimit-limit" not in response.headers
    # Authentication still applies when the limiter is open.
    assert (await client.get(LABELS)).status_code == 401
