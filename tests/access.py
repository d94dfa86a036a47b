"""Helpers of the access-control tests (limits, keys, roles): keys with options, probe routes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.applications import Starlette
from starlette.routing import Mount

from mumble.accounts import service as accounts
from mumble.accounts.roles import create_role
from mumble.endpoint import Call, Endpoint, api_route
from mumble.models import Account

PROBE = "/probe"


async def _ok(call: Call) -> dict[str, Any]:
    return {"success": True, "ip_account": str(call.principal.account_id)}


def add_probe_routes(app: Starlette) -> None:
    """Guarded routes of our own: `/probe/read` (labels:read) and `/probe/send` (messaging).

    They go through the real guard, so the limiter is tested independently of which send
    endpoints exist yet.
    """
    app.router.routes.insert(
        0,
        Mount(
            PROBE,
            routes=[
                api_route(Endpoint("GET", "/read", "labels:read", "Probe.", "Probe", {}), _ok),
                api_route(
                    Endpoint(
                        "POST",
                        "/send",
                        "messages:send",
                        "Probe.",
                        "Probe",
                        {},
                        action="send text messages",
                        messaging=True,
                    ),
                    _ok,
                ),
            ],
        ),
    )


async def new_key(account: Account, **options: Any) -> dict[str, str]:
    """Headers carrying a fresh key of `account` created with `options` (see create_key)."""
    _, plaintext = await accounts.create_key(account.id, **options)
    return {"Mumble-Api-Key": plaintext}


async def key_with_permissions(
    account: Account, name: str, permissions: list[str]
) -> dict[str, str]:
    """Headers of a key on a new role granting exactly `permissions`."""
    role = await create_role(account.id, name, permissions)
    return await new_key(account, role=role)


def epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())
