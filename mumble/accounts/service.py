"""Accounts, their WhatsApp channel, and API keys: the rules behind the admin CLI."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from mumble.accounts.keys import display_prefix, generate_key, hash_key
from mumble.errors import BadRequest, NotFound
from mumble.models import Account, ApiKey, Role


@dataclass(frozen=True)
class Channel:
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


async def create_account(name: str, channel: Channel | None = None) -> Account:
    """Create an account, optionally with its WhatsApp channel."""
    name = name.strip()
    if not name or len(name) > 200:
        raise BadRequest("Account name must be 1 to 200 characters")
    channel = channel or Channel()
    return await Account.create(
        name=name,
        phone_number_id=channel.phone_number_id,
        waba_id=channel.waba_id,
        access_token=channel.access_token,
        display_phone=channel.display_phone,
    )


async def set_channel(account_id: str | uuid.UUID, channel: Channel) -> Account:
    """Change the given parts of an account's WhatsApp channel; None leaves a part unchanged."""
    account = await get_account(account_id)
    for field in ("phone_number_id", "waba_id", "access_token", "display_phone"):
        value = getattr(channel, field)
        if value is not None:
            setattr(account, field, value or None)
    await account.save()
    return account


async def set_blocked(account_id: str | uuid.UUID, blocked: bool) -> Account:
    account = await get_account(account_id)
    account.is_blocked = blocked
    await account.save(update_fields=["is_blocked"])
    return account


async def create_key(
    account_id: str | uuid.UUID,
    *,
    role: Role | None = None,
    label: str = "",
    rate_limit: str | None = None,
    allowed_ips: list[str] | None = None,
    expires_at: dt.datetime | None = None,
) -> tuple[ApiKey, str]:
    """Create a key; returns the row and the plaintext, which is never stored or shown again."""
    account = await get_account(account_id)
    plaintext = generate_key()
    async with in_transaction():
        key = await ApiKey.create(
            account=account,
            role=role,
            key_hash=hash_key(plaintext),
            prefix=display_prefix(plaintext),
            label=label,
            rate_limit=rate_limit,
            allowed_ips=allowed_ips or [],
            expires_at=expires_at,
        )
    return key, plaintext


async def get_key(key_id: str | uuid.UUID) -> ApiKey:
    key = await ApiKey.get_or_none(id=_uuid(key_id, "Key"))
    if key is None:
        raise NotFound("Key not found")
    return key


async def set_key_status(key_id: str | uuid.UUID, status: str) -> ApiKey:
    """Move a key to active, disabled (reversible) or revoked (final, soft-deleted)."""
    key = await get_key(key_id)
    if key.status == "revoked" and status != "revoked":
        raise BadRequest("A revoked key cannot be re-enabled")
    key.status = status
    if status == "revoked" and key.revoked_at is None:
        key.revoked_at = dt.datetime.now(dt.UTC)
    await key.save(update_fields=["status", "revoked_at"])
    return key


async def has_any_account() -> bool:
    return await Account.exists()
