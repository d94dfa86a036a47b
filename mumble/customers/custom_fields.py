"""The account's custom field names: at most 15 distinct names per account, race-safe.

A name is defined (a `CustomFieldDefinition`) when a customer first gets a value for it, and
holds one of the 15 slots until delete-custom-field removes it with every customer's value.
Every writer of a custom field value and the deleter serialise on the account row, taken before
any customer row (the deleter's order), so a write either lands before the delete (which then
removes the value) or after it (and defines the name again): never a value for a deleted name,
never a deadlock.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.router import router
from tortoise.transactions import in_transaction

from mumble.customers.bulk import Change, apply_changes
from mumble.customers.fields import MAX_CUSTOM_FIELDS
from mumble.errors import BadRequest, NotFound, Refusal
from mumble.models import Account, Customer, CustomFieldDefinition

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


async def lock_custom_fields(account_id: uuid.UUID) -> None:
    """Hold the account's custom field names still until the caller's transaction ends.

    Writers of a custom field value take it before locking any customer. NO KEY UPDATE still
    lets other rows reference the account meanwhile.
    """
    await Account.filter(id=account_id).select_for_update(no_key=True).first()


async def register_batch(
    account_id: uuid.UUID, wanted: Sequence[set[str]]
) -> tuple[list[bool], list[str]]:
    """Define the names each item of `wanted` needs, in order, while slots remain; inside a
    transaction. Returns whether each item fits, and the names defined (sorted)."""
    needed = set().union(*wanted)
    if not needed:
        return [True] * len(wanted), []
    # Also when every name is known: two writers must not both see 14 and both add one, and a
    # delete-custom-field must not remove a known name between this check and the write.
    await lock_custom_fields(account_id)
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


FIELD_NOT_FOUND = Refusal(NotFound, "Custom field not found")
# Customers changed per statement when a field is deleted (their views are built per batch).
_BATCH = 500


def _db() -> BaseDBAsyncClient:
    # The connection Tortoise's own queries would use: the transaction's inside one.
    return router.db_for_read(Customer) or Customer._meta.db


def _account_param(db: BaseDBAsyncClient, account_id: uuid.UUID) -> object:
    # PostgreSQL has a uuid column; SQLite stores the uuid's text.
    return account_id if db.capabilities.dialect == "postgres" else str(account_id)


async def _holder_counts(account_id: uuid.UUID) -> dict[str, int]:
    """How many of the account's customers hold each custom field key: one pass over the
    account's customers, each one's keys expanded by the database (JSONB on PostgreSQL,
    JSON text on SQLite)."""
    db = _db()
    if db.capabilities.dialect == "postgres":
        sql = (
            "SELECT k.name, count(*) AS n FROM customer c CROSS JOIN LATERAL jsonb_object_keys("
            "CASE WHEN jsonb_typeof(c.custom_fields) = 'object' THEN c.custom_fields "
            "ELSE '{}'::jsonb END) AS k(name) WHERE c.account_id = $1 GROUP BY k.name"
        )
    else:
        sql = (
            "SELECT j.key AS name, count(*) AS n FROM customer c, json_each(c.custom_fields) j "
            "WHERE c.account_id = ? GROUP BY j.key"
        )
    rows = await db.execute_query_dict(sql, [_account_param(db, account_id)])
    return {str(row["name"]): int(row["n"]) for row in rows}


async def list_custom_fields(account_id: uuid.UUID) -> list[dict[str, Any]]:
    """get-custom-fields: each name the account defined, oldest first, with how many customers
    hold a value for it."""
    names = (
        await CustomFieldDefinition.filter(account_id=account_id)
        .order_by("created_at", "id")
        .values_list("name", flat=True)
    )
    counts = await _holder_counts(account_id) if names else {}
    return [{"name": str(name), "customers": counts.get(str(name), 0)} for name in names]


async def _holder_ids(account_id: uuid.UUID, name: str) -> list[uuid.UUID]:
    """The ids of the account's customers holding a value for `name`."""
    db = _db()
    if db.capabilities.dialect == "postgres":
        sql = (
            "SELECT id FROM customer WHERE account_id = $1 AND jsonb_typeof(custom_fields) = "
            "'object' AND jsonb_exists(custom_fields, $2)"
        )
    else:
        sql = (
            "SELECT id FROM customer WHERE account_id = ? AND EXISTS "
            "(SELECT 1 FROM json_each(custom_fields) WHERE key = ?)"
        )
    rows = await db.execute_query_dict(sql, [_account_param(db, account_id), name])
    return [uuid.UUID(str(row["id"])) for row in rows]


async def delete_custom_field(account_id: uuid.UUID, name: str, now: dt.datetime) -> int:
    """delete-custom-field: forget the name (freeing its slot) and remove its value from every
    customer holding one, each with customer.updated and a new `updated_at`; 404 when the
    account has no such field. Returns how many customers changed. One transaction."""
    async with in_transaction():
        # The same lock as the writers', so none sets the name meanwhile.
        await lock_custom_fields(account_id)
        deleted = await CustomFieldDefinition.filter(account_id=account_id, name=name).delete()
        if not deleted:
            raise FIELD_NOT_FOUND()
        ids = await _holder_ids(account_id, name)
        changed = 0
        for start in range(0, len(ids), _BATCH):
            customers = (
                await Customer.filter(account_id=account_id, id__in=ids[start : start + _BATCH])
                .select_for_update(no_key=True)
                .order_by("id")
            )
            changes = [
                Change(
                    customer,
                    {
                        "custom_fields": {
                            key: held
                            for key, held in (customer.custom_fields or {}).items()
                            if key != name
                        }
                    },
                )
                for customer in customers
            ]
            results = await apply_changes(account_id, changes, now)
            changed += sum(1 for columns in results if columns)
    return changed
