"""Whom a request names: a customer's phone, or the business-scoped user id (BSUID) of a user
who wrote in with a WhatsApp username and no visible phone number.

Meta addresses such a user by `recipient` instead of `to` (developers.facebook.com/
documentation/business-messaging/whatsapp/business-scoped-user-ids); one person known by both
is one customer (the inbound webhook fills in whichever of the two was missing), so either
names them. Every endpoint that names an existing customer finds it here, always within the
calling account.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from mumble.customers.changes import CUSTOMER_NOT_FOUND, locked_customer
from mumble.db.prepared import Prepared, text_marker, uuid_marker
from mumble.models import Customer

# Every customer endpoint starts here: its SQL is built once (see mumble.db.prepared).
_BY_PHONE = Prepared(
    Customer,
    lambda account_id, phone: Customer.filter(account_id=account_id, phone=phone).first(),
    uuid_marker(),
    text_marker(),
)


@dataclass(frozen=True)
class Recipient:
    """Exactly one of a normalised phone and a BSUID."""

    phone: str | None = None
    user_id: str | None = None

    def __post_init__(self) -> None:
        if (self.phone is None) == (self.user_id is None):
            raise ValueError("a recipient is a phone or a user id, exactly one")

    @property
    def address(self) -> str:
        """What Meta is given: the phone (`to`) or the BSUID (`recipient`)."""
        return self.phone or self.user_id or ""

    async def find(self, account_id: uuid.UUID) -> Customer | None:
        """The account's customer this names, or None."""
        if self.phone is not None:
            # (account, phone) is unique, so the first row is the only one.
            found = await _BY_PHONE.first(account_id, self.phone)
            return found if isinstance(found, Customer) else None
        return await Customer.get_or_none(account_id=account_id, bsuid=self.user_id)

    async def get(self, account_id: uuid.UUID) -> Customer:
        """The account's customer this names; 404 "Customer not found"."""
        customer = await self.find(account_id)
        if customer is None:
            raise CUSTOMER_NOT_FOUND()
        return customer

    async def locked(self, account_id: uuid.UUID) -> Customer:
        """The account's customer this names, locked for the rest of the caller's transaction;
        404 "Customer not found"."""
        return await locked_customer(account_id, self.phone, bsuid=self.user_id)
