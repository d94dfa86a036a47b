"""Builds API routes: every endpoint passes the same guard before its handler runs.

Order: per-IP limit (counts failed authentication too) -> authenticate -> IP allowlist ->
per-key limit -> messaging limit -> permission -> read parameters -> handler.
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
from mumble.network import client_ip, ip_allowed
from mumble.params import read_params
from mumble.permissions import PERMISSIONS
from mumble.ratelimit import RateLimiter, tightest
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


def _response_headers(request: Request) -> dict[str, str]:
    return request.scope.setdefault("state", {}).setdefault("response_headers", {})


def api_route(
    path: str,
    handler: Handler,
    *,
    methods: Sequence[str],
    permission: str,
    action: str | None = None,
    messaging: bool = False,
) -> Route:
    """A guarded API route. `action` completes "User not authorized to …" when it is missing."""
    denial = f"User not authorized to {action or PERMISSIONS[permission]}."

    async def endpoint(request: Request) -> Response:
        guard: Guard = request.app.state.guard
        settings = guard.settings
        limiter = guard.limiter
        headers = _response_headers(request)
        ip = client_ip(request, settings.trusted_proxies)
        ip_quota = await limiter.hit("ip", ip, limiter.per_ip)
        if ip_quota is not None:
            headers.update(ip_quota.headers())
        principal = await authenticate(request, guard.tracker)
        request.state.principal = principal
        if not ip_allowed(ip, principal.allowed_networks):
            raise Unauthorized("API usage is blocked from this IP address")
        key_limits = limiter.per_key
        if principal.rate_limit is not None:
            key_limits = limiter.parse_override(principal.rate_limit)
        key_quota = await limiter.hit("key", str(principal.key_id), key_limits)
        msg_quota = None
        if messaging:
            msg_quota = await limiter.hit("messaging", str(principal.key_id), limiter.messaging)
        quota = tightest(ip_quota, key_quota, msg_quota)
        if quota is not None:
            headers.update(quota.headers())
        if permission not in principal.permissions:
            raise Unauthorized(denial)
        params = await read_params(request, settings.max_body_bytes)
        result = await handler(Call(request, principal, params, settings))
        return result if isinstance(result, Response) else JsonResponse(result)

    return Route(path, endpoint, methods=list(methods))
