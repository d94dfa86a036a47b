"""Roles: named, reusable permission sets. A key belongs to a role, so changing the role
changes every key on it at once. The built-in `full-access` role (account NULL) grants all."""

from __future__ import annotations

import re
import uuid
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mumble.db.listener import Topic, announce
from mumble.errors import BadRequest, Conflict, NotFound
from mumble.models import ApiKey, Role
from mumble.models.states import KeyStatus
from mumble.permissions import ALL, PERMISSIONS, unknown_permissions

FULL_ACCESS = "full-access"
# A fixed primary key makes the built-in role race-safe to create on first use: a NULL account
# escapes the (account, name) unique constraint, the primary key does not.
FULL_ACCESS_ROLE_ID = uuid.UUID("00000000-0000-4000-8000-00000000f011")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


async def full_access_role() -> Role:
    """The built-in full-access role, created on first use."""
    role = await Role.get_or_none(id=FULL_ACCESS_ROLE_ID)
    if role is not None:
        return role
    try:
        async with in_transaction():
            return await Role.create(
                id=FULL_ACCESS_ROLE_ID, account=None, name=FULL_ACCESS, permissions=[ALL]
            )
    except IntegrityError:
        # Another request created it between our read and our insert.
        return await Role.get(id=FULL_ACCESS_ROLE_ID)


def _check_permissions(names: list[str]) -> list[str]:
    unknown = unknown_permissions(names)
    if unknown:
        raise BadRequest(
            f"Unknown permission: {', '.join(unknown)}",
            details=[f"known permissions: {', '.join(sorted(PERMISSIONS))}"],
        )
    return names


def _check_name(name: str) -> str:
    name = name.strip()
    if not _NAME.match(name):
        raise BadRequest(
            "Role name must be 1 to 100 letters, digits, '.', '_' or '-', starting with a "
            "letter or digit"
        )
    if name == FULL_ACCESS:
        raise Conflict(f"'{FULL_ACCESS}' is the built-in role's name")
    return name


async def create_role(account_id: uuid.UUID, name: str, permissions: list[str]) -> Role:
    """A new role of the account; 400 on a bad name or permission, 409 when the name is taken."""
    name = _check_name(name)
    granted = sorted(set(_check_permissions(permissions)))
    try:
        async with in_transaction():
            return await Role.create(account_id=account_id, name=name, permissions=granted)
    except IntegrityError:
        raise Conflict(f"Role '{name}' already exists") from None


async def find_role(account_id: uuid.UUID, name: str) -> Role:
    """The account's role of that name, or the built-in role by its name; 404 otherwise."""
    if name.strip() == FULL_ACCESS:
        return await full_access_role()
    role = await Role.get_or_none(account_id=account_id, name=name.strip())
    if role is None:
        raise NotFound(f"Role '{name}' not found")
    return role


async def update_role(
    account_id: uuid.UUID, name: str, *, allow: list[str], deny: list[str]
) -> Role:
    """Grant `allow` and withdraw `deny`; every key on the role is affected from its next call."""
    _check_permissions(allow + deny)
    role = await find_role(account_id, name)
    if role.account_id is None:  # type: ignore[attr-defined]
        raise BadRequest(f"The built-in '{FULL_ACCESS}' role cannot be changed")
    granted = (set(role.permissions) | set(allow)) - set(deny)
    async with in_transaction():
        role.permissions = sorted(granted)
        await role.save(update_fields=["permissions", "updated_at"])
        await announce(Topic.KEYS)
    return role


async def list_roles(account_id: uuid.UUID) -> list[Role]:
    """The built-in role, then the account's roles by name."""
    own = await Role.filter(account_id=account_id).order_by("name")
    return [await full_access_role(), *own]


async def role_view(role: Role, account_id: uuid.UUID | None = None) -> dict[str, Any]:
    """A role as the CLI shows it, with how many of the account's live keys use it."""
    keys = ApiKey.filter(role_id=role.id).exclude(status=KeyStatus.REVOKED)
    if account_id is not None:
        keys = keys.filter(account_id=account_id)
    return {
        "id": str(role.id),
        "name": role.name,
        "builtin": role.account_id is None,  # type: ignore[attr-defined]
        "permissions": sorted(PERMISSIONS) if ALL in role.permissions else list(role.permissions),
        "keys": await keys.count(),
    }
