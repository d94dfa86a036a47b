"""Which address the limiter and the allowlist see: the socket peer, X-Forwarded-For only from
trusted proxies. The test server's peer is 127.0.0.1, which uvicorn would trust by default."""

from __future__ import annotations

import dataclasses
import ipaddress
from typing import Any

import httpx
import pytest

from mumble.network import rate_limit_identity, resolve_client_ip
from mumble.settings import Settings
from tests.access import new_key
from tests.conftest import Tenant

LABELS = "/mumbleapi/get-labels"
LOOPBACK_PROXY = (ipaddress.ip_network("127.0.0.1/32"),)
BLOCKED_IP = {"error": True, "message": "API usage is blocked from this IP address"}


@pytest.fixture
def overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
def settings(settings: Settings, overrides: dict[str, Any]) -> Settings:
    return dataclasses.replace(settings, **overrides)


def _xff(value: str) -> dict[str, str]:
    return {"X-Forwarded-For": value}


@pytest.mark.parametrize("overrides", [{"rate_limit_per_ip": "2/minute"}])
async def test_forged_forwarded_for_from_an_untrusted_peer_changes_nothing(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    # Each call claims another address; all count against the real peer.
    statuses = [
        (await client.get(LABELS, headers=tenant.headers | _xff(f"203.0.113.{n}"))).status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]


async def test_forged_forwarded_for_does_not_pass_an_allowlist(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    key = await new_key(tenant.account, allowed_ips=["203.0.113.0/24"])
    response = await client.get(LABELS, headers=key | _xff("203.0.113.7"))
    assert response.status_code == 401
    assert response.json() == BLOCKED_IP


@pytest.mark.parametrize(
    "overrides", [{"rate_limit_per_ip": "2/minute", "trusted_proxies": LOOPBACK_PROXY}]
)
async def test_a_trusted_proxy_header_names_the_client(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    first = [
        (await client.get(LABELS, headers=tenant.headers | _xff("198.51.100.1"))).status_code
        for _ in range(3)
    ]
    assert first == [200, 200, 429]
    # Another client behind the same proxy has its own budget.
    other = await client.get(LABELS, headers=tenant.headers | _xff("198.51.100.2"))
    assert other.status_code == 200
    # The rightmost untrusted hop counts: a spoofed leftmost entry does not buy a new budget.
    spoofed = await client.get(LABELS, headers=tenant.headers | _xff("9.9.9.9, 198.51.100.1"))
    assert spoofed.status_code == 429


@pytest.mark.parametrize(
    "overrides", [{"rate_limit_per_ip": "2/minute", "trusted_proxies": LOOPBACK_PROXY}]
)
async def test_ipv6_clients_are_counted_per_64(client: httpx.AsyncClient, tenant: Tenant) -> None:
    first = await client.get(LABELS, headers=tenant.headers | _xff("2001:db8:0:1::1"))
    second = await client.get(LABELS, headers=tenant.headers | _xff("2001:db8:0:1::ffff"))
    third = await client.get(LABELS, headers=tenant.headers | _xff("2001:db8:0:1:abcd::9"))
    assert [first.status_code, second.status_code, third.status_code] == [200, 200, 429]
    elsewhere = await client.get(LABELS, headers=tenant.headers | _xff("2001:db8:0:2::1"))
    assert elsewhere.status_code == 200


@pytest.mark.parametrize("overrides", [{"trusted_proxies": LOOPBACK_PROXY}])
async def test_allowlist_uses_the_client_named_by_a_trusted_proxy(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    key = await new_key(tenant.account, allowed_ips=["203.0.113.0/24", "2001:db8::/32"])
    assert (await client.get(LABELS, headers=key | _xff("203.0.113.9"))).status_code == 200
    assert (await client.get(LABELS, headers=key | _xff("2001:db8::5"))).status_code == 200
    missed = await client.get(LABELS, headers=key | _xff("198.51.100.1"))
    assert missed.status_code == 401
    assert missed.json() == BLOCKED_IP
    # Without a forwarded header the caller is the proxy itself, which is not allowed.
    assert (await client.get(LABELS, headers=key)).status_code == 401


@pytest.mark.parametrize(
    ("peer", "header", "expected"),
    [
        ("127.0.0.1", None, "127.0.0.1"),
        ("127.0.0.1", "1.2.3.4", "1.2.3.4"),
        ("127.0.0.1", "6.6.6.6, 1.2.3.4", "1.2.3.4"),
        ("127.0.0.1", "1.2.3.4, 10.0.0.2", "1.2.3.4"),  # 10.0.0.2 is a trusted inner proxy
        ("127.0.0.1", "10.0.0.3, 10.0.0.2", "10.0.0.3"),  # all trusted: the farthest hop
        ("127.0.0.1", "garbage, 1.2.3.4", "1.2.3.4"),
        ("127.0.0.1", "1.2.3.4, garbage", "127.0.0.1"),  # a broken hop stops the walk
        ("192.0.2.1", "1.2.3.4", "192.0.2.1"),  # untrusted peer: header ignored
        ("::ffff:127.0.0.1", "1.2.3.4", "1.2.3.4"),  # IPv4-mapped peer is the IPv4 address
    ],
)
def test_rightmost_untrusted_hop_is_the_client(
    peer: str, header: str | None, expected: str
) -> None:
    proxies = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("10.0.0.0/8"))
    assert resolve_client_ip(peer, header, proxies) == expected


def test_nothing_is_trusted_without_configured_proxies() -> None:
    assert resolve_client_ip("127.0.0.1", "1.2.3.4", ()) == "127.0.0.1"
    assert resolve_client_ip("::1", "1.2.3.4", ()) == "::1"


def test_rate_limit_identity_groups_ipv6_by_64() -> None:
    assert rate_limit_identity("2001:db8:0:1:2:3:4:5") == "2001:db8:0:1::/64"
    assert rate_limit_identity("203.0.113.5") == "203.0.113.5"


def test_trusted_proxies_setting_reads_cidrs() -> None:
    settings = Settings.from_env({"MUMBLE_TRUSTED_PROXIES": "10.0.0.0/8, 2001:db8::/32"})
    assert settings.trusted_proxies == (
        ipaddress.ip_network("10.0.0.0/8"),
        ipaddress.ip_network("2001:db8::/32"),
    )
    assert Settings().trusted_proxies == ()
