"""Accounts, their WhatsApp channel, and API keys: the rules behind the admin CLI."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mumble.accounts import roles
from mumble.accounts.keys import display_prefix, generate_key, hash_key
from mumble.clock import SYSTEM_CLOCK, Clock
from mumble.db.listener import Topic, announce
from mumble.errors import BadRequest, Conflict, NotFound
from mumble.models import Account, Agent, ApiKey, Bot, Customer, Role, Team
from mumble.models.states import KeyStatus
from mumble.network import parse_allowlist
from mumble.ratelimit import parse_limits
from mumble.text import NAME_MAX, checked_name


@dataclass(frozen=True)
class ChannelSettings:
    """An account's WhatsApp number as configured (every part optional until it sends)."""

    phone_number_id: str | None = None
    waba_id: str | None = None
    access_token: str | None = None
    display_phone: str | None = None


def _uuid(raw: str | uuid.UUID, what: str) -> uuid.UUID:
    if isinstance(raw, uuid.UUID):
        return raw
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        raise NotFound(f"{what} not found") from None


async def get_account(account_id: str | uuid.UUID) -> Account:
    account = await Account.get_or_none(id=_uuid(account_id, "Account"))
    if account is None:
        raise NotFound("Account not found")
    return account


# Inbound webhooks are routed by phone number id, so one number serves exactly one account.
_NUMBER_TAKEN = "That WhatsApp phone number id is already used by another account"


async def create_account(name: str, channel: ChannelSettings | None = None) -> Account:
    """Create an account, optionally with its WhatsApp channel."""
    name = checked_name(name, "Account name")
    channel = channel or ChannelSettings()
    try:
        async with in_transaction():
            return await Account.create(
                name=name,
                phone_number_id=channel.phone_number_id,
                waba_id=channel.waba_id,
                access_token=channel.access_token,
                display_phone=channel.display_phone,
            )
    except IntegrityError:
        raise Conflict(_NUMBER_TAKEN) from None


async def set_channel(account_id: str | uuid.UUID, channel: ChannelSettings) -> Account:
    """Change the given parts of an account's WhatsApp channel; None leaves a part unchanged."""
    account = await get_account(account_id)
    for field in ("phone_number_id", "waba_id", "access_token", "display_phone"):
        value = getattr(channel, field)
        if value is not None:
            setattr(account, field, value or None)
    try:
        async with in_transaction():
            await account.save()
    except IntegrityError:
        raise Conflict(_NUMBER_TAKEN) from None
    return account


async def set_blocked(account_id: str | uuid.UUID, blocked: bool) -> Account:
    account = await get_account(account_id)
    account.is_blocked = blocked
    async with in_transaction():
        await account.save(update_fields=["is_blocked"])
        await announce(Topic.KEYS)
    return account


_LABEL_MAX = NAME_MAX
_ALLOWLIST_MAX = 100
KEY_STATUSES = tuple(status.value for status in KeyStatus)


def _check_rate_limit(notation: str | None) -> str | None:
    if notation is None:
        return None
    try:
        parse_limits(notation)
    except ValueError:
        raise BadRequest(
            f"Invalid rate limit: {notation!r} (use e.g. 60/minute, 5/second;100/minute, "
            "or unlimited)"
        ) from None
    return notation.strip()


def _check_allowlist(entries: list[str] | None) -> list[str]:
    cleaned = [entry.strip() for entry in entries or [] if entry.strip()]
    if len(cleaned) > _ALLOWLIST_MAX:
        raise BadRequest(f"An IP allowlist holds at most {_ALLOWLIST_MAX} entries")
    try:
        parse_allowlist(tuple(cleaned))
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    return cleaned


async def create_key(
    account_id: str | uuid.UUID,
    *,
    role: Role | str | None = None,
    label: str = "",
    rate_limit: str | None = None,
    allowed_ips: list[str] | None = None,
    expires_at: dt.datetime | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> tuple[ApiKey, str]:
    """Create a key; returns the row and the plaintext, which is never stored or shown again.

    `role` is a Role or a role name; none means the built-in full-access role. 400 on a bad
    rate limit, allowlist entry, label or an expiry that is not in the future.
    """
    account = await get_account(account_id)
    if len(label) > _LABEL_MAX:
        raise BadRequest(f"Key label must be at most {_LABEL_MAX} characters")
    rate_limit = _check_rate_limit(rate_limit)
    allowed = _check_allowlist(allowed_ips)
    if expires_at is not None:
        if expires_at.tzinfo is None:
            expires_at = expires_at.replace(tzinfo=dt.UTC)
        if expires_at <= clock.now():
            raise BadRequest("Key expiry must be in the future")
    if role is None:
        role = await roles.full_access_role()
    elif isinstance(role, str):
        role = await roles.find_role(account.id, role)
    plaintext = generate_key()
    async with in_transaction():
        key = await ApiKey.create(
            account=account,
            role=role,
            key_hash=hash_key(plaintext),
            prefix=display_prefix(plaintext),
            label=label,
            rate_limit=rate_limit,
            allowed_ips=allowed,
            expires_at=expires_at,
        )
    return key, plaintext


async def get_key(key_id: str | uuid.UUID) -> ApiKey:
    key = await ApiKey.get_or_none(id=_uuid(key_id, "Key"))
    if key is None:
        raise NotFound("Key not found")
    return key


async def set_key_status(
    key_id: str | uuid.UUID, status: str, *, clock: Clock = SYSTEM_CLOCK
) -> ApiKey:
    """Move a key to active, disabled (reversible) or revoked (final, soft-deleted)."""
    if status not in KEY_STATUSES:
        raise BadRequest(f"Unknown key status: {status!r}")
    key = await get_key(key_id)
    if key.status == KeyStatus.REVOKED and status != KeyStatus.REVOKED:
        raise BadRequest("A revoked key cannot be changed")
    key.status = KeyStatus(status)
    if status == KeyStatus.REVOKED and key.revoked_at is None:
        key.revoked_at = clock.now()
    async with in_transaction():
        await key.save(update_fields=["status", "revoked_at"])
        await announce(Topic.KEYS)
    return key


async def list_keys(account_id: str | uuid.UUID) -> list[ApiKey]:
    """Every key of the account, revoked ones included (they are soft-deleted), oldest first."""
    account = await get_account(account_id)
    return await ApiKey.filter(account_id=account.id).select_related("role").order_by("created_at")


def key_view(key: ApiKey) -> dict[str, Any]:
    """A key as the CLI shows it: never its hash, never its plaintext."""
    role = key.role if isinstance(key.role, Role) else None
    return {
        "id": str(key.id),
        "prefix": key.prefix,
        "label": key.label,
        "status": key.status,
        "role": role.name if role is not None else roles.FULL_ACCESS,
        "rate_limit": key.rate_limit,
        "allowed_ips": list(key.allowed_ips),
        "expires_at": key.expires_at,
        "last_used_at": key.last_used_at,
        "created_at": key.created_at,
        "revoked_at": key.revoked_at,
    }


async def has_any_account() -> bool:
    return await Account.exists()


def account_view(account: Account) -> dict[str, object]:
    """An account as the admin CLI shows it: its channel's ids, never the access token."""
    return {
        "id": str(account.id),
        "name": account.name,
        "status": "blocked" if account.is_blocked else "active",
        "phone_number_id": account.phone_number_id,
        "waba_id": account.waba_id,
        "display_phone": account.display_phone,
        "has_access_token": bool(account.access_token),
        "created_at": account.created_at.isoformat(),
    }


async def list_accounts() -> list[Account]:
    """Every account, oldest first."""
    return await Account.all().order_by("created_at", "id")


async def holdings(account_id: uuid.UUID) -> dict[str, int]:
    """How many customers, agents, teams, bots and active keys the account has."""
    return {
        "customers": await Customer.filter(account_id=account_id).count(),
        "agents": await Agent.filter(account_id=account_id).count(),
        "teams": await Team.filter(account_id=account_id).count(),
        "bots": await Bot.filter(account_id=account_id).count(),
        "active_keys": await ApiKey.filter(account_id=account_id, status=KeyStatus.ACTIVE).count(),
    }
