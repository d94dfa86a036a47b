"""Roles and permissions: every route refuses a key whose role lacks its permission, naming the
action; roles change every key on them at once; the role and key CLI."""

from __future__ import annotations

import re
from typing import Any

import httpx
import orjson
import pytest

from mumble.accounts import roles
from mumble.app import api_routes
from mumble.cli import main
from mumble.endpoint import ApiRoute
from mumble.permissions import PERMISSIONS
from tests.access import key_with_permissions, new_key
from tests.conftest import Tenant

MESSAGING_PATHS = {
    "/send-text-message",
    "/send-media-message",
    "/send-template",
    "/send-template-text-variable",
    "/send-reaction",
    "/mark-as-read",
    "/send-interactive-message",
}


def _routes() -> list[ApiRoute]:
    routes = [route for route in api_routes() if isinstance(route, ApiRoute)]
    assert len(routes) == len(api_routes()), "every API route is built with api_route()"
    return routes


def _call(route: ApiRoute) -> tuple[str, str]:
    method = sorted(set(route.methods or ()) - {"HEAD"})[0]
    return method, "/mumbleapi" + re.sub(r"\{[^}]+\}", "1", route.path)


def test_every_route_declares_a_known_permission_and_the_send_routes_are_messaging() -> None:
    for route in _routes():
        assert route.contract.permission in PERMISSIONS, route.path
        assert route.contract.denial.startswith("User not authorized to "), route.path
        assert route.contract.denial.endswith("."), route.path
        assert route.contract.messaging == (route.path in MESSAGING_PATHS), route.path


def test_an_unknown_permission_is_refused_when_the_route_is_declared() -> None:
    from mumble.endpoint import Endpoint

    with pytest.raises(ValueError, match="unknown permission 'customers:fly'"):
        Endpoint("GET", "/x", "customers:fly", "X.", "Customers", {})


async def test_every_route_refuses_a_role_without_its_permission(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    keys: dict[str, dict[str, str]] = {}
    for route in _routes():
        if route.contract.permission not in keys:
            others = sorted(set(PERMISSIONS) - {route.contract.permission})
            name = "all-but-" + route.contract.permission.replace(":", "-")
            keys[route.contract.permission] = await key_with_permissions(
                tenant.account, name, others
            )
        method, path = _call(route)
        response = await client.request(method, path, headers=keys[route.contract.permission])
        assert response.status_code == 401, (path, response.text)
        assert response.json() == {"error": True, "message": route.contract.denial}, path


async def test_every_permission_admits_its_routes(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    keys: dict[str, dict[str, str]] = {}
    for route in _routes():
        if route.contract.permission not in keys:
            name = "only-" + route.contract.permission.replace(":", "-")
            keys[route.contract.permission] = await key_with_permissions(
                tenant.account, name, [route.contract.permission]
            )
        method, path = _call(route)
        response = await client.request(method, path, headers=keys[route.contract.permission])
        # Without parameters most endpoints answer 400/404, but never a permission refusal.
        assert response.status_code != 401, (path, response.text)


async def test_a_role_admits_exactly_its_permissions(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    reader = await key_with_permissions(tenant.account, "reader", ["labels:read"])
    assert (await client.get("/mumbleapi/get-labels", headers=reader)).status_code == 200
    refused = await client.post(
        "/mumbleapi/add-new-label", json={"label_name": "VIP"}, headers=reader
    )
    assert refused.status_code == 401
    assert refused.json() == {"error": True, "message": "User not authorized to modify labels."}
    writer = await key_with_permissions(tenant.account, "writer", ["labels:write"])
    created = await client.post(
        "/mumbleapi/add-new-label", json={"label_name": "VIP"}, headers=writer
    )
    assert created.status_code == 200, created.text
    assert (await client.get("/mumbleapi/get-labels", headers=writer)).status_code == 401


async def test_changing_a_role_changes_every_key_on_it_at_once(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    role = await roles.create_role(tenant.account.id, "partner", ["labels:read"])
    first = await new_key(tenant.account, role=role)
    second = await new_key(tenant.account, role="partner")
    add = {"label_name": "VIP"}
    for key in (first, second):
        assert (
            await client.post("/mumbleapi/add-new-label", json=add, headers=key)
        ).status_code == 401
    await roles.update_role(tenant.account.id, "partner", allow=["labels:write"], deny=[])
    assert (
        await client.post("/mumbleapi/add-new-label", json=add, headers=first)
    ).status_code == 200
    assert (await client.get("/mumbleapi/get-labels", headers=second)).status_code == 200
    await roles.update_role(tenant.account.id, "partner", allow=[], deny=["labels:read"])
    for key in (first, second):
        denied = await client.get("/mumbleapi/get-labels", headers=key)
        assert denied.json() == {"error": True, "message": "User not authorized to read labels."}


async def test_roles_belong_to_their_account(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    await roles.create_role(tenant.account.id, "mine", ["labels:read"])
    with pytest.raises(Exception, match="Role 'mine' not found"):
        await new_key(other_tenant.account, role="mine")
    # The same name is free in another account.
    await roles.create_role(other_tenant.account.id, "mine", ["customers:read"])


async def test_keys_without_a_role_get_the_builtin_full_access_role(tenant: Tenant) -> None:
    builtin = await roles.full_access_role()
    assert builtin.name == "full-access"
    assert builtin.account_id is None  # type: ignore[attr-defined]
    view = await roles.role_view(builtin, tenant.account.id)
    assert view == {
        "id": str(builtin.id),
        "name": "full-access",
        "builtin": True,
        "permissions": sorted(PERMISSIONS),
        "keys": 1,
    }


# The CLI, run in-process against the test database (it opens and closes the ORM itself).


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    code = main([*args, "--json"])
    out = capsys.readouterr().out
    return code, orjson.loads(out.strip().splitlines()[-1]) if out.strip() else None


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUMBLE_DATABASE_URL", database_url)


@pytest.mark.usefixtures("cli_env")
def test_role_and_key_commands(capsys: pytest.CaptureFixture[str]) -> None:
    code, account = _cli(capsys, "account", "create", "CLI Co")
    assert code == 0
    acc = account["id"]

    code, role = _cli(
        capsys, "role", "create", "reader", "--account", acc, "--allow", "customers:read",
        "--allow", "labels:read",
    )  # fmt: skip
    assert code == 0
    assert role | {"id": None} == {
        "id": None,
        "name": "reader",
        "builtin": False,
        "permissions": ["customers:read", "labels:read"],
        "keys": 0,
    }
    code, role = _cli(
        capsys, "role", "update", "reader", "--account", acc, "--allow", "labels:write",
        "--deny", "customers:read",
    )  # fmt: skip
    assert code == 0
    assert role["permissions"] == ["labels:read", "labels:write"]
    code, listing = _cli(capsys, "role", "list", "--account", acc)
    assert [r["name"] for r in listing["roles"]] == ["full-access", "reader"]

    code, key = _cli(
        capsys, "key", "create", "--account", acc, "--role", "reader", "--rate-limit",
        "60/minute", "--allow-ip", "10.0.0.0/8", "--allow-ip", "2001:db8::1-2001:db8::ff",
        "--expires", "2099-01-01", "--label", "partner",
    )  # fmt: skip
    assert code == 0
    assert key["key"].startswith("mbl_")
    assert (key["role"], key["rate_limit"], key["label"], key["status"]) == (
        "reader",
        "60/minute",
        "partner",
        "active",
    )
    assert key["allowed_ips"] == ["10.0.0.0/8", "2001:db8::1-2001:db8::ff"]
    assert key["expires_at"].startswith("2099-01-01T23:59:59")

    code, keys = _cli(capsys, "key", "list", "--account", acc)
    assert [k["id"] for k in keys["keys"]] == [key["id"]]
    assert key["key"] not in orjson.dumps(keys).decode()
    assert "key_hash" not in keys["keys"][0]

    for command, status in (("disable", "disabled"), ("enable", "active"), ("revoke", "revoked")):
        code, changed = _cli(capsys, "key", command, key["id"])
        assert (code, changed) == (0, {"id": key["id"], "status": status})
    assert _cli(capsys, "key", "enable", key["id"]) == (
        1,
        {"error": True, "message": "A revoked key cannot be changed"},
    )


@pytest.mark.usefixtures("cli_env")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["role", "create", "bad", "--allow", "customers:fly"],
         "Unknown permission: customers:fly"),
        (["role", "update", "full-access", "--allow", "labels:read"],
         "The built-in 'full-access' role cannot be changed"),
        (["role", "update", "ghost", "--allow", "labels:read"], "Role 'ghost' not found"),
        (["role", "create", "full-access"], "'full-access' is the built-in role's name"),
        (["key", "create", "--rate-limit", "often"],
         "Invalid rate limit: 'often' (use e.g. 60/minute, 5/second;100/minute, or unlimited)"),
        (["key", "create", "--allow-ip", "10.0.0.0/33"],
         "Invalid IP allowlist entry: '10.0.0.0/33' (use an address, a CIDR or a range a-b)"),
        (["key", "create", "--expires", "2001-01-01"], "Key expiry must be in the future"),
        (["key", "create", "--expires", "soon"],
         "Invalid expiry: 'soon' (use a date like 2026-12-31 or 2026-12-31T18:00:00Z)"),
        (["key", "create", "--role", "ghost"], "Role 'ghost' not found"),
    ],
)  # fmt: skip
def test_cli_refuses_bad_input_with_a_clear_message(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    _, account = _cli(capsys, "account", "create", "Bad Input Co")
    code, error = _cli(capsys, *args, "--account", account["id"])
    # A refusal with details (the known permissions) prints them beside the message.
    assert (code, error.get("error"), error.get("message")) == (1, True, message)
    assert set(error) <= {"error", "message", "details"}
