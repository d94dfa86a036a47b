"""The account's custom field names: at most 15 distinct names per account, race-safe."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mumble.customers.fields import MAX_CUSTOM_FIELDS
from mumble.errors import BadRequest, Refusal
from mumble.models import Account, CustomFieldDefinition

TOO_MANY = Refusal(
    BadRequest, f"Cannot add more than {MAX_CUSTOM_FIELDS} custom fields per account"
)


async def _defined(account_id: uuid.UUID) -> set[str]:
    rows = await CustomFieldDefinition.filter(account_id=account_id).values_list("name", flat=True)
    return {str(name) for name in rows}


async def register_custom_fields(account_id: uuid.UUID, names: Iterable[str]) -> None:
    """Define the names not yet known; 400 past 15 per account. Call inside a transaction."""
    wanted = set(names)
    if not wanted or wanted <= await _defined(account_id):
        return
    # Serialise definers of one account on the account row, so two writers cannot both see 14
    # and both add one. NO KEY UPDATE still lets other rows reference the account meanwhile.
    await Account.filter(id=account_id).select_for_update(no_key=True).first()
    defined = await _defined(account_id)
    new = sorted(wanted - defined)
    if len(defined) + len(new) > MAX_CUSTOM_FIELDS:
        raise TOO_MANY()
    for name in new:
        try:
            # A savepoint, so a lost race on the unique (account, name) pair leaves the caller's
            # transaction usable on PostgreSQL.
            async with in_transaction():
                await CustomFieldDefinition.create(account_id=account_id, name=name)
        except IntegrityError:
            pass  # defined concurrently under the same name: it exists, which is all we need
