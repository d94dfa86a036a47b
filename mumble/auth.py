"""Mumble-Api-Key -> Principal: who is calling, for which account, with which rights.

Key rows are read by the key's SHA-256 and kept in a per-process `KeyCache` while the process
hears of every change to keys, roles and accounts (`KeyCache.listening`, set by the listener of
`mumble.db.listener` on PostgreSQL): a change anywhere commits with a notification that clears
every process's cache, so a revoked or disabled key, a blocked account or an edited role takes
effect within the notification's delivery (milliseconds). Entries also expire after
`MUMBLE_AUTH_CACHE_SECONDS`, the bound should a notification be missed. Without a listener
(SQLite) nothing is cached and every request reads the key.
"""

from __future__ import annotations

import datetime as dt
import functools
import hmac
import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from mumble.accounts.keys import hash_key
from mumble.clock import Clock
from mumble.db.prepared import Prepared, text_marker
from mumble.errors import Unauthorized
from mumble.models import ApiKey
from mumble.models.states import KeyStatus
from mumble.network import IPNetwork, parse_allowlist
from mumble.permissions import ALL_PERMISSIONS, expand

HEADER = "mumble-api-key"
LAST_USED_RESOLUTION = dt.timedelta(seconds=60)
_MAX_KEY_LENGTH = 256
# What authentication reads: the key, its account's block flag and its role's permissions.
_KEY_COLUMNS = (
    "id",
    "account_id",
    "key_hash",
    "status",
    "expires_at",
    "last_used_at",
    "rate_limit",
    "allowed_ips",
    "account__is_blocked",
    "role_id",
    "role__permissions",
)
_KEY_QUERY = Prepared(
    ApiKey,
    lambda digest: ApiKey.filter(key_hash=digest).first().values(*_KEY_COLUMNS),
    text_marker(),
)


@dataclass(frozen=True)
class Principal:
    """The authenticated caller. Every service query is scoped by `account_id`."""

    account_id: uuid.UUID
    key_id: uuid.UUID
    permissions: frozenset[str] = ALL_PERMISSIONS
    rate_limit: str | None = None
    allowed_networks: tuple[IPNetwork, ...] = field(default=())
    last_used_at: dt.datetime | None = None


class LastUsedTracker:
    """Keeps `last_used_at` current to the minute with at most one write per key per minute.

    The key row is read on every request anyway, so its stored `last_used_at` tells whether a
    write is due (this holds across processes); the in-process memo stops a burst of requests
    that all read the old value from each writing it.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._written: dict[uuid.UUID, dt.datetime] = {}

    async def touch(self, key_id: uuid.UUID, stored: dt.datetime | None = None) -> None:
        """Record a use of the key now, unless one was recorded less than a minute ago."""
        now = self._clock.now()
        latest = max(
            (t for t in (stored, self._written.get(key_id)) if t is not None), default=None
        )
        if latest is not None and now - latest < LAST_USED_RESOLUTION:
            return
        self._written[key_id] = now
        await ApiKey.filter(id=key_id).update(last_used_at=now)


class KeyCache:
    """Key rows by digest for `ttl` seconds, used only while `listening` (see the module)."""

    def __init__(self, clock: Clock, ttl: float, *, max_entries: int = 10_000) -> None:
        self._clock = clock
        self._ttl = ttl
        self._max = max_entries
        self._rows: dict[str, tuple[float, dict[str, Any]]] = {}
        self.listening = False

    def cached(self, request: Request) -> dict[str, Any] | None:
        """The cached row of the request's key, or None (not cached, or not cacheable now)."""
        if not self.listening:
            return None
        presented = request.headers.get(HEADER, "")
        if not presented or len(presented) > _MAX_KEY_LENGTH:
            return None
        entry = self._rows.get(hash_key(presented))
        if entry is None or entry[0] <= self._clock.now().timestamp():
            return None
        return entry[1]

    def put(self, digest: str, row: dict[str, Any]) -> None:
        if not self.listening or self._ttl <= 0:
            return
        if len(self._rows) >= self._max:
            self._rows.clear()
        self._rows[digest] = (self._clock.now().timestamp() + self._ttl, row)

    def clear(self) -> None:
        """Forget every key: something about keys, roles or accounts changed somewhere."""
        self._rows.clear()

    def listen(self, listening: bool) -> None:
        """The listener is (or is no longer) connected; either way what was cached may be stale."""
        self.listening = listening
        self._rows.clear()


@functools.lru_cache(maxsize=256)
def _expanded(granted: tuple[str, ...]) -> frozenset[str]:
    # Pure function of the role's stored list, so a role edit is seen on the next request.
    return expand(list(granted))


async def authenticate(request: Request, now: dt.datetime, cache: KeyCache) -> Principal:
    """The caller's principal, or 401: missing/unknown key, or blocked/revoked/expired usage."""
    presented = request.headers.get(HEADER, "")
    if not presented or len(presented) > _MAX_KEY_LENGTH:
        raise Unauthorized("Unauthorized")
    digest = hash_key(presented)
    # One query, plain values (no model instances), its SQL built once: runs on every request.
    key = await _KEY_QUERY.first(digest)
    # The lookup is by digest; compare again in constant time so equality never leaks timing.
    if key is None or not hmac.compare_digest(key["key_hash"], digest):
        raise Unauthorized("Unauthorized")
    cache.put(digest, key)
    return principal_of(key, now)


def principal_of(key: dict[str, Any], now: dt.datetime) -> Principal:
    """The principal of a key row found by its digest, or 401 when its usage is blocked."""
    if key["status"] == KeyStatus.REVOKED:
        raise Unauthorized("API usage is blocked: this key has been revoked")
    if key["status"] != KeyStatus.ACTIVE:
        raise Unauthorized("API usage is blocked: this key is disabled")
    expires_at = key["expires_at"]
    if expires_at is not None and expires_at <= now:
        raise Unauthorized("API usage is blocked: this key has expired")
    if key["account__is_blocked"]:
        raise Unauthorized("API usage is blocked for this account")
    # A key without a role predates roles: it has full access, like the built-in role.
    granted = key["role__permissions"]
    permissions = ALL_PERMISSIONS if key["role_id"] is None else _expanded(tuple(granted or ()))
    return Principal(
        account_id=key["account_id"],
        key_id=key["id"],
        permissions=permissions,
        rate_limit=key["rate_limit"],
        allowed_networks=parse_allowlist(tuple(key["allowed_ips"] or ())),
        last_used_at=key["last_used_at"],
    )
