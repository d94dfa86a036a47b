"""Sends to a customer named by phone or by business-scoped user id (`customers.recipient`):
where Meta delivers, and the profile fields a send applies to a known customer."""

from __future__ import annotations

import datetime as dt

from tortoise.transactions import in_transaction

from mumble.customers.changes import apply_change
from mumble.customers.input import validate_profile
from mumble.customers.service import EDIT_FAILED, profile_values, resolve_bot
from mumble.errors import Refusal
from mumble.models import Customer


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
    async with in_transaction():
        # Locked, so a racing delete-bot waits or wins cleanly (see ensure_customer).
        account_id = customer.account_id  # type: ignore[attr-defined]
        bot = await resolve_bot(account_id, token, lock=True) if token else None
        await apply_change(customer, profile_values(profile, bot), now)
    return customer
