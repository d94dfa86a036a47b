"""Mumble-Api-Key -> Principal: who is calling, for which account, with which rights."""

from __future__ import annotations

import datetime as dt
import hmac
import ipaddress
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.requests import Request

from mumble.accounts.keys import hash_key
from mumble.errors import Unauthorized
from mumble.models import ApiKey
from mumble.permissions import ALL_PERMISSIONS, expand

HEADER = "mumble-api-key"
_LAST_USED_EVERY_SECONDS = 60.0
_MAX_KEY_LENGTH = 256

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Principal:
    """The authenticated caller. Every service query is scoped by `account_id`."""

    account_id: uuid.UUID
    key_id: uuid.UUID
    permissions: frozenset[str] = ALL_PERMISSIONS
    rate_limit: str | None = None
    allowed_networks: tuple[IPNetwork, ...] = field(default=())


class LastUsedTracker:
    """Keeps `last_used_at` current with at most one write per key per minute."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._written: dict[uuid.UUID, float] = {}

    async def touch(self, key_id: uuid.UUID) -> None:
        now = self._clock()
        last = self._written.get(key_id)
        if last is not None and now - last < _LAST_USED_EVERY_SECONDS:
            return
        self._written[key_id] = now
        await ApiKey.filter(id=key_id).update(last_used_at=dt.datetime.now(dt.UTC))


def parse_allowlist(entries: list[str]) -> tuple[IPNetwork, ...]:
    """Networks from allowlist entries: an address, a CIDR, or a range `first-last`."""
    networks: list[IPNetwork] = []
    for entry in entries:
        if "-" in entry:
            first, last = (ipaddress.ip_address(part.strip()) for part in entry.split("-", 1))
            networks.extend(ipaddress.summarize_address_range(first, last))  # type: ignore[arg-type]
        else:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
    return tuple(networks)


async def authenticate(request: Request, tracker: LastUsedTracker | None = None) -> Principal:
    """The caller's principal, or 401: missing/unknown key, or blocked/revoked/expired usage."""
    presented = request.headers.get(HEADER, "")
    if not presented or len(presented) > _MAX_KEY_LENGTH:
        raise Unauthorized("Unauthorized")
    digest = hash_key(presented)
    key = await ApiKey.get_or_none(key_hash=digest).select_related("account", "role")
    # The lookup is by digest; compare again in constant time so equality never leaks timing.
    if key is None or not hmac.compare_digest(key.key_hash, digest):
        raise Unauthorized("Unauthorized")
    if key.status == "revoked":
        raise Unauthorized("API usage is blocked: this key has been revoked")
    if key.status != "active":
        raise Unauthorized("API usage is blocked: this key is disabled")
    if key.expires_at is not None and key.expires_at <= dt.datetime.now(dt.UTC):
        raise Unauthorized("API usage is blocked: this key has expired")
    if key.account.is_blocked:
        raise Unauthorized("API usage is blocked for this account")
    if tracker is not None:
        await tracker.touch(key.id)
    permissions = ALL_PERMISSIONS if key.role is None else expand(list(key.role.permissions))
    return Principal(
        account_id=key.account_id,  # type: ignore[attr-defined]
        key_id=key.id,
        permissions=permissions,
        rate_limit=key.rate_limit,
        allowed_networks=parse_allowlist(list(key.allowed_ips)),
    )
