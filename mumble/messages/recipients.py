"""Whom a send or a lookup names: a customer's phone, or the business-scoped user id (BSUID) of
a user who wrote in with a WhatsApp username and no visible phone number.

Meta addresses such a user by `recipient` instead of `to` (developers.facebook.com/
documentation/business-messaging/whatsapp/business-scoped-user-ids); one person known by both
is one customer (the inbound webhook fills in whichever of the two was missing), so either
names them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from mumble.customers.changes import CUSTOMER_NOT_FOUND, apply_change
from mumble.customers.input import validate_profile
from mumble.customers.service import EDIT_FAILED, profile_values, resolve_bot
from mumble.errors import Refusal
from mumble.models import Customer


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
            return await Customer.get_or_none(account_id=account_id, phone=self.phone)
        return await Customer.get_or_none(account_id=account_id, bsuid=self.user_id)

    async def get(self, account_id: uuid.UUID) -> Customer:
        """The account's customer this names; 404 "Customer not found"."""
        customer = await self.find(account_id)
        if customer is None:
            raise CUSTOMER_NOT_FOUND()
        return customer


def address_of(customer: Customer) -> str:
    """Where Meta delivers to this customer: the phone when known (`to`), else the BSUID."""
    return customer.phone or customer.bsuid or ""


async def apply_profile(
    customer: Customer,
    now: dt.datetime,
    *,
    name: str | None = None,
    email: str | None = None,
    source: str | None = None,
    bot_token: str | None = None,
    failure: Refusal = EDIT_FAILED,
) -> Customer:
    """The send's profile fields applied to a known customer (one transaction, with events):
    as on every send, `name` and `email` are only validated (they apply when a send creates
    the customer), `source` and `bot_token` apply."""
    token = bot_token.strip() if isinstance(bot_token, str) and bot_token.strip() else None
    validate_profile(failure, name=name, email=email, source=source)
    profile = validate_profile(failure, name=None, email=None, source=source)
    bot = await resolve_bot(customer.account_id, token) if token else None  # type: ignore[attr-defined]
    async with in_transaction():
        await apply_change(customer, profile_values(profile, bot), now)
    return customer
