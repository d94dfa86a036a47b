"""The account's custom field names: at most 15 distinct names per account, race-safe."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from mumble.customers.fields import MAX_CUSTOM_FIELDS
from mumble.errors import BadRequest, Refusal
from mumble.models import Account, CustomFieldDefinition

TOO_MANY = Refusal(
    BadRequest, f"Cannot add more than {MAX_CUSTOM_FIELDS} custom fields per account"
)


async def defined_names(account_id: uuid.UUID) -> set[str]:
    """The account's custom field names."""
    rows = await CustomFieldDefinition.filter(account_id=account_id).values_list("name", flat=True)
    return {str(name) for name in rows}


async def register_custom_fields(account_id: uuid.UUID, names: Iterable[str]) -> list[str]:
    """Define the names not yet known; 400 past 15 per account. Call inside a transaction.

    Returns the names this call defined (sorted).
    """
    accepted, new = await register_batch(account_id, [set(names)])
    if not accepted[0]:
        raise TOO_MANY()
    return new


async def register_batch(
    account_id: uuid.UUID, wanted: Sequence[set[str]]
) -> tuple[list[bool], list[str]]:
    """Define the names each item of `wanted` needs, in order, while slots remain; inside a
    transaction. Returns whether each item fits, and the names defined (sorted)."""
    needed = set().union(*wanted)
    if not needed or needed <= await defined_names(account_id):
        return [True] * len(wanted), []
    # Serialise definers of one account on the account row, so two writers cannot both see 14
    # and both add one. NO KEY UPDATE still lets other rows reference the account meanwhile.
    await Account.filter(id=account_id).select_for_update(no_key=True).first()
    defined = await defined_names(account_id)
    known = set(defined)
    accepted = []
    for names in wanted:
        fits = len(known | names) <= MAX_CUSTOM_FIELDS
        accepted.append(fits)
        if fits:
            known |= names
    new = sorted(known - defined)
    # A name defined meanwhile under the same (account, name) is what we need: conflicts are
    # ignored by the statement itself, so the caller's transaction stays usable on PostgreSQL.
    await CustomFieldDefinition.bulk_create(
        [CustomFieldDefinition(account_id=account_id, name=name) for name in new],
        ignore_conflicts=True,
    )
    return accepted, new
