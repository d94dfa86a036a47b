"""Builds API routes: every endpoint passes the same guard before its handler runs.

Order: per-IP limit (counts failed authentication too) -> authenticate -> IP allowlist ->
per-key limit -> messaging limit -> permission -> read parameters -> handler. Nothing of the
endpoint's own work (not even reading the body) happens before the guard has passed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mumble.auth import LastUsedTracker, Principal, authenticate
from mumble.errors import JsonResponse, Unauthorized
from mumble.network import client_ip, ip_allowed, rate_limit_identity
from mumble.params import read_params
from mumble.permissions import PERMISSIONS
from mumble.ratelimit import Quota, RateLimiter, tightest
from mumble.settings import Settings


@dataclass(frozen=True)
class Call:
    """What a handler gets: the request, the authenticated caller and the merged parameters."""

    request: Request
    principal: Principal
    params: dict[str, Any]
    settings: Settings


Handler = Callable[[Call], Awaitable[dict[str, Any] | Response]]


@dataclass(frozen=True)
class Guard:
    """Per-app collaborators of the guard, kept on `app.state.guard` by the lifespan."""

    settings: Settings
    limiter: RateLimiter
    tracker: LastUsedTracker


class ApiRoute(Route):
    """A guarded route; knows its permission, its denial message and whether it sends messages."""

    permission: str
    denial: str
    messaging: bool


def _response_headers(request: Request) -> dict[str, str]:
    # Read by RequestIdMiddleware: the quota headers reach every response, errors included.
    return request.scope.setdefault("state", {}).setdefault("response_headers", {})


async def _guard(request: Request, route: ApiRoute) -> Principal:
    """Limits, authentication, allowlist and permission: the caller, or the error to answer."""
    guard: Guard = request.app.state.guard
    limiter = guard.limiter
    headers = _response_headers(request)
    ip = client_ip(request, guard.settings.trusted_proxies)
    ip_quota = await limiter.hit("ip", rate_limit_identity(ip), limiter.per_ip)
    _publish(headers, ip_quota)
    principal = await authenticate(request)
    request.state.principal = principal
    if not ip_allowed(ip, principal.allowed_networks):
        raise Unauthorized("API usage is blocked from this IP address")
    await guard.tracker.touch(principal.key_id, principal.last_used_at)
    key_limits = limiter.per_key
    if principal.rate_limit is not None:
        key_limits = limiter.parse_override(principal.rate_limit)
    key_quota = await limiter.hit("key", str(principal.key_id), key_limits)
    _publish(headers, tightest(ip_quota, key_quota))
    if route.messaging:
        msg_quota = await limiter.hit("messaging", str(principal.key_id), limiter.messaging)
        _publish(headers, tightest(ip_quota, key_quota, msg_quota))
    if route.permission not in principal.permissions:
        raise Unauthorized(route.denial)
    return principal


def _publish(headers: dict[str, str], quota: Quota | None) -> None:
    if quota is not None:
        headers.update(quota.headers())


def api_route(
    path: str,
    handler: Handler,
    *,
    methods: Sequence[str],
    permission: str,
    action: str | None = None,
    messaging: bool = False,
) -> ApiRoute:
    """A guarded API route. `action` completes "User not authorized to …" when it is missing.

    `permission` must be one of `mumble.permissions.PERMISSIONS` (checked here, at import time);
    `messaging=True` adds the messaging rate limit (the send endpoints).
    """
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r} for {path}")

    async def endpoint(request: Request) -> Response:
        principal = await _guard(request, route)
        params = await read_params(request, request.app.state.guard.settings.max_body_bytes)
        result = await handler(Call(request, principal, params, request.app.state.guard.settings))
        return result if isinstance(result, Response) else JsonResponse(result)

    route = ApiRoute(path, endpoint, methods=list(methods))
    route.permission = permission
    route.denial = f"User not authorized to {action or PERMISSIONS[permission]}."
    route.messaging = messaging
    return route
