"""API keys as a client and an operator see them: allowlists, status, expiry, storage, usage."""

from __future__ import annotations

import datetime as dt
import hashlib

import httpx
import pytest
from starlette.applications import Starlette

from mumble.accounts import service as accounts
from mumble.errors import BadRequest, NotFound
from mumble.models import ApiKey, Label
from tests import database
from tests.access import new_key
from tests.clock import FrozenClock
from tests.conftest import Tenant
from tests.live import serve

LABELS = "/mumbleapi/get-labels"
ADD_LABEL = "/mumbleapi/add-new-label"
BLOCKED_IP = {"error": True, "message": "API usage is blocked from this IP address"}


@pytest.mark.parametrize(
    ("allowed", "admitted"),
    [
        (["127.0.0.1"], True),
        (["127.0.0.2"], False),
        (["127.0.0.0/8"], True),
        (["10.0.0.0/8"], False),
        (["127.0.0.1-127.0.0.5"], True),
        (["127.0.0.2-127.0.0.9"], False),
        (["10.0.0.0/8", "127.0.0.1"], True),
        (["::1"], False),
    ],
)
async def test_ipv4_allowlist(
    client: httpx.AsyncClient, tenant: Tenant, allowed: list[str], admitted: bool
) -> None:
    key = await new_key(tenant.account, allowed_ips=allowed)
    response = await client.post(ADD_LABEL, json={"label_name": "VIP"}, headers=key)
    if admitted:
        assert response.status_code == 200, response.text
    else:
        assert response.status_code == 401
        assert response.json() == BLOCKED_IP
        # Refused before the endpoint ran: nothing was written.
        assert not await Label.filter(account_id=tenant.account.id).exists()


@pytest.mark.parametrize(
    ("allowed", "admitted"),
    [
        (["::1"], True),
        (["::2"], False),
        (["::1/128"], True),
        (["::/64"], True),
        (["2001:db8::/32"], False),
        (["::1-::5"], True),
        (["::2-::9"], False),
        (["127.0.0.1"], False),
    ],
)
async def test_ipv6_allowlist(
    app: Starlette, databases: database.TestDatabases, allowed: list[str], admitted: bool
) -> None:
    async with serve(app, host="::1") as url, httpx.AsyncClient(base_url=url) as client:
        if databases.postgres:
            await database.truncate_all()
        account = await accounts.create_account("Six")
        key = await new_key(account, allowed_ips=allowed)
        response = await client.get(LABELS, headers=key)
        assert response.status_code == (200 if admitted else 401), response.text
        if not admitted:
            assert response.json() == BLOCKED_IP


@pytest.mark.parametrize(
    "entry",
    ["300.1.1.1", "10.0.0.0/33", "10.0.0.9-10.0.0.1", "10.0.0.1-::1", "example.com", "1.2.3"],
)
async def test_bad_allowlist_entries_are_refused(tenant: Tenant, entry: str) -> None:
    with pytest.raises(BadRequest) as refused:
        await accounts.create_key(tenant.account.id, allowed_ips=[entry])
    assert refused.value.message == (
        f"Invalid IP allowlist entry: {entry!r} (use an address, a CIDR or a range a-b)"
    )


@pytest.mark.parametrize("notation", ["lots", "5/fortnight", "0/minute", "-1/second", ""])
async def test_bad_rate_limits_are_refused(tenant: Tenant, notation: str) -> None:
    with pytest.raises(BadRequest) as refused:
        await accounts.create_key(tenant.account.id, rate_limit=notation)
    assert refused.value.message.startswith(f"Invalid rate limit: {notation!r}")


async def test_expiry_must_be_in_the_future(tenant: Tenant, clock: FrozenClock) -> None:
    with pytest.raises(BadRequest) as refused:
        await accounts.create_key(tenant.account.id, expires_at=clock.now(), clock=clock)
    assert refused.value.message == "Key expiry must be in the future"


async def test_unknown_role_is_not_found(tenant: Tenant) -> None:
    with pytest.raises(NotFound) as refused:
        await accounts.create_key(tenant.account.id, role="nobody")
    assert refused.value.message == "Role 'nobody' not found"


async def test_disabled_key_is_refused_until_enabled(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await accounts.set_key_status(tenant.key_id, "disabled")
    refused = await client.get(LABELS, headers=tenant.headers)
    assert refused.status_code == 401
    assert refused.json() == {
        "error": True,
        "message": "API usage is blocked: this key is disabled",
    }
    await accounts.set_key_status(tenant.key_id, "active")
    assert (await client.get(LABELS, headers=tenant.headers)).status_code == 200


async def test_revoked_key_is_refused_for_good_and_stays_listed(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    revoked = await accounts.set_key_status(tenant.key_id, "revoked")
    assert revoked.revoked_at is not None
    refused = await client.get(LABELS, headers=tenant.headers)
    assert refused.status_code == 401
    assert refused.json() == {
        "error": True,
        "message": "API usage is blocked: this key has been revoked",
    }
    with pytest.raises(BadRequest) as again:
        await accounts.set_key_status(tenant.key_id, "active")
    assert again.value.message == "A revoked key cannot be changed"
    listed = await accounts.list_keys(tenant.account.id)
    assert [(str(k.id), k.status) for k in listed] == [(tenant.key_id, "revoked")]


async def test_expired_key_is_refused(
    client: httpx.AsyncClient, tenant: Tenant, clock: FrozenClock
) -> None:
    key = await new_key(tenant.account, expires_at=clock.now() + dt.timedelta(hours=1), clock=clock)
    assert (await client.get(LABELS, headers=key)).status_code == 200
    clock.advance(hours=1)
    refused = await client.get(LABELS, headers=key)
    assert refused.status_code == 401
    assert refused.json() == {
        "error": True,
        "message": "API usage is blocked: this key has expired",
    }


async def test_blocked_account_is_refused(client: httpx.AsyncClient, tenant: Tenant) -> None:
    await accounts.set_blocked(tenant.account.id, True)
    refused = await client.get(LABELS, headers=tenant.headers)
    assert refused.status_code == 401
    assert refused.json() == {"error": True, "message": "API usage is blocked for this account"}


@pytest.mark.parametrize("presented", ["", "mbl_not-a-key", "x" * 300])
async def test_unknown_key_is_plain_unauthorized(
    client: httpx.AsyncClient, tenant: Tenant, presented: str
) -> None:
    response = await client.get(LABELS, headers={"Mumble-Api-Key": presented})
    assert response.status_code == 401
    assert response.json() == {"error": True, "message": "Unauthorized"}


async def test_only_the_hash_of_a_key_is_stored(tenant: Tenant) -> None:
    assert tenant.key.startswith("mbl_")
    assert len(tenant.key) > 40
    rows = await ApiKey.filter(id=tenant.key_id).values()
    assert rows[0]["key_hash"] == hashlib.sha256(tenant.key.encode()).hexdigest()
    assert tenant.key not in repr(rows)
    assert rows[0]["prefix"] == tenant.key[:12]


async def test_rotation_without_downtime(client: httpx.AsyncClient, tenant: Tenant) -> None:
    successor = await new_key(tenant.account, label="rotated")
    assert (await client.get(LABELS, headers=tenant.headers)).status_code == 200
    assert (await client.get(LABELS, headers=successor)).status_code == 200
    await accounts.set_key_status(tenant.key_id, "revoked")
    assert (await client.get(LABELS, headers=tenant.headers)).status_code == 401
    assert (await client.get(LABELS, headers=successor)).status_code == 200


async def test_last_used_is_kept_to_the_minute_without_a_write_per_request(
    client: httpx.AsyncClient, tenant: Tenant, clock: FrozenClock
) -> None:
    async def last_used() -> dt.datetime | None:
        return (await ApiKey.get(id=tenant.key_id)).last_used_at

    assert await last_used() is None
    first_use = clock.now()
    await client.get(LABELS, headers=tenant.headers)
    assert await last_used() == first_use
    clock.advance(seconds=59)
    await client.get(LABELS, headers=tenant.headers)
    assert await last_used() == first_use  # no write within the minute
    clock.advance(seconds=1)
    await client.get(LABELS, headers=tenant.headers)
    assert await last_used() == first_use + dt.timedelta(seconds=60)


async def test_key_listing_shows_options_never_secrets(tenant: Tenant, clock: FrozenClock) -> None:
    expires = clock.now() + dt.timedelta(days=30)
    key, plaintext = await accounts.create_key(
        tenant.account.id,
        label="partner",
        rate_limit="60/minute",
        allowed_ips=["10.0.0.0/8", "2001:db8::1-2001:db8::9"],
        expires_at=expires,
        clock=clock,
    )
    views = [accounts.key_view(k) for k in await accounts.list_keys(tenant.account.id)]
    view = next(v for v in views if v["id"] == str(key.id))
    assert view | {"created_at": None} == {
        "id": str(key.id),
        "prefix": plaintext[:12],
        "label": "partner",
        "status": "active",
        "role": "full-access",
        "rate_limit": "60/minute",
        "allowed_ips": ["10.0.0.0/8", "2001:db8::1-2001:db8::9"],
        "expires_at": expires,
        "last_used_at": None,
        "created_at": None,
        "revoked_at": None,
    }
    assert plaintext not in repr(views)
