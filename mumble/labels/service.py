"""Labels: named lists of customers within an account."""

from __future__ import annotations

import uuid

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mumble.errors import Conflict, NotFound
from mumble.models import Label


async def list_labels(account_id: uuid.UUID) -> list[dict[str, object]]:
    """Every label of the account, oldest first."""
    rows = (
        await Label.filter(account_id=account_id).order_by("created_at", "id").values("id", "name")
    )
    return [{"id": str(row["id"]), "name": row["name"]} for row in rows]


async def create_label(account_id: uuid.UUID, name: str) -> Label:
    """Create a label; 409 when the account already has one by that name."""
    try:
        async with in_transaction():
            return await Label.create(account_id=account_id, name=name)
    except IntegrityError:
        raise Conflict("Label already exists") from None


async def get_label(account_id: uuid.UUID, name: str) -> Label:
    label = await Label.get_or_none(account_id=account_id, name=name)
    if label is None:
        raise NotFound("Label not found")
    return label
