"""Labels: named lists of customers within an account.

Every query is scoped by the caller's account: a label or customer of another account is
simply not found.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
import uuid
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mumble.customers.changes import CUSTOMER_NOT_FOUND, touch
from mumble.customers.recipient import Recipient
from mumble.customers.views import VIEW_COLUMNS, customer_view, customer_views
from mumble.errors import BadRequest, Conflict, NotFound, Refusal
from mumble.events.outbox import record_event
from mumble.models import Customer, CustomerLabel, Label

LABEL_NAME_MAX = 100
LABEL_EXISTS = Refusal(Conflict, "Label already exists")
LABEL_NOT_FOUND = Refusal(NotFound, "Label not found")
NOT_IN_LABEL = Refusal(BadRequest, "Customer is not in the label")


def clean_label_name(raw: object) -> str | None:
    """A label name as stored: NFC-normalised, trimmed, 1 to 100 characters, no control characters.

    Returns None when absent or blank (the caller answers "Label name is required."); raises a
    400 for a value that is not a string or breaks the bounds.
    """
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise BadRequest("'label_name' must be a string")
    # NFC so that a composed and a decomposed "é" name the same label.
    name = unicodedata.normalize("NFC", raw).strip()
    if not name:
        return None
    if len(name) > LABEL_NAME_MAX:
        raise BadRequest(f"'label_name' is too long (at most {LABEL_NAME_MAX} characters)")
    if any(unicodedata.category(char) == "Cc" for char in name):
        raise BadRequest("'label_name' must not contain control characters")
    return name


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
        raise LABEL_EXISTS() from None


async def get_label(account_id: uuid.UUID, name: str) -> Label:
    """The account's label of that name; 404 "Label not found" otherwise."""
    label = await Label.get_or_none(account_id=account_id, name=name)
    if label is None:
        raise LABEL_NOT_FOUND()
    return label


async def _event_data(customer: Customer, label: Label) -> dict[str, Any]:
    return {
        "customer": await customer_view(customer),
        "label": {"id": str(label.id), "name": label.name},
    }


async def add_customer_to_label(
    account_id: uuid.UUID, who: Recipient, name: str, now: dt.datetime
) -> bool:
    """Tag the customer with the label; True when a link was created, False when it existed.

    Race-safe: the (customer, label) unique constraint decides, inside a savepoint so that a
    duplicate does not abort the surrounding PostgreSQL transaction.
    """
    customer = await who.get(account_id)
    label = await get_label(account_id, name)
    async with in_transaction():
        try:
            async with in_transaction():
                await CustomerLabel.create(customer=customer, label=label)
        except IntegrityError:
            if await CustomerLabel.exists(customer=customer, label=label):
                return False
            # Not a duplicate: the label or customer vanished between lookup and insert.
            if not await Label.exists(id=label.id):
                raise LABEL_NOT_FOUND() from None
            raise CUSTOMER_NOT_FOUND() from None
        await touch([customer.id], now)
        await record_event(
            account_id,
            "customer.label_added",
            await _event_data(customer, label),
            now=now,
            customer_id=customer.id,
        )
    return True


async def remove_customer_from_label(
    account_id: uuid.UUID, who: Recipient, name: str, now: dt.datetime
) -> None:
    """Untag the customer; 400 "Customer is not in the label" when it was not tagged."""
    customer = await who.get(account_id)
    label = await get_label(account_id, name)
    async with in_transaction():
        deleted = await CustomerLabel.filter(customer=customer, label=label).delete()
        if not deleted:
            raise NOT_IN_LABEL()
        await touch([customer.id], now)
        await record_event(
            account_id,
            "customer.label_removed",
            await _event_data(customer, label),
            now=now,
            customer_id=customer.id,
        )


async def delete_label(account_id: uuid.UUID, name: str, now: dt.datetime) -> None:
    """Delete the label and its links; each untagged customer gets a customer.label_removed."""
    label = await get_label(account_id, name)
    async with in_transaction():
        customer_ids = await CustomerLabel.filter(label=label).values_list("customer_id", flat=True)
        await CustomerLabel.filter(label=label).delete()
        if not await Label.filter(id=label.id, account_id=account_id).delete():
            # Deleted concurrently by another request.
            raise LABEL_NOT_FOUND()
        await touch([uuid.UUID(str(value)) for value in customer_ids], now)
        # One batch of views (a few queries) rather than one view per untagged customer.
        rows = (
            await Customer.filter(id__in=list(customer_ids), account_id=account_id)
            .order_by("created_at", "id")
            .values(*VIEW_COLUMNS)
        )
        label_data = {"id": str(label.id), "name": label.name}
        for view in await customer_views(rows):
            await record_event(
                account_id,
                "customer.label_removed",
                {"customer": view, "label": label_data},
                now=now,
                customer_id=uuid.UUID(view["id"]),
            )
