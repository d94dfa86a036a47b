"""The consent ledger: a customer's marketing consent, changed through the customer aggregate.

Consent lives on the customer row (its state, source and time), so every change goes through
`customers.changes.apply_change`: on the locked row, in the caller's transaction, it moves
`updated_at` and records `customer.consent_changed` with the customer as the API shows it. A
change to the state it already has changes nothing: the first opt-out keeps its when and where.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from tortoise.transactions import in_transaction

from mumble.customers.changes import apply_change
from mumble.customers.recipient import Recipient
from mumble.customers.views import consent_view
from mumble.errors import BadRequest, Refusal
from mumble.models import Consent, Customer

EVENT = "customer.consent_changed"
SOURCE_MAX = 100
# The sources Mumble writes itself; the API's `source` is the client's own word.
API_SOURCE = "api"
STOP_KEYWORD = "stop_keyword"
START_KEYWORD = "start_keyword"
WHATSAPP_PREFERENCES = "whatsapp_preferences"
MARKETING_STOPPED = "meta_error_131050"

INVALID_STATE = Refusal(BadRequest, "'marketing' must be opted_in, opted_out or unknown")


def parse_state(raw: str) -> Consent:
    """The consent a client names (case-insensitive); 400 for anything else."""
    try:
        return Consent(raw.strip().lower())
    except ValueError:
        raise INVALID_STATE() from None


def view_of(customer: Customer) -> dict[str, Any]:
    """The customer's consent as the API shows it."""
    return consent_view(
        customer.marketing_consent, customer.consent_source, customer.consent_changed_at
    )


async def record(customer: Customer, marketing: Consent, source: str, now: dt.datetime) -> bool:
    """On a customer locked in the caller's transaction: store the consent when its state
    changes (with the event); returns whether it changed."""
    previous = Consent(customer.marketing_consent or Consent.UNKNOWN)
    if previous == marketing:
        return False

    def data(view: dict[str, Any], changed: list[str]) -> dict[str, Any]:
        return {"customer": view, "consent": view["consent"], "previous": previous.value}

    values = {
        "marketing_consent": marketing,
        "consent_source": source[:SOURCE_MAX],
        "consent_changed_at": now,
    }
    await apply_change(customer, values, now, event=EVENT, data=data)
    return True


async def set_consent(
    account_id: uuid.UUID, who: Recipient, marketing: Consent, source: str, now: dt.datetime
) -> tuple[bool, dict[str, Any]]:
    """Set the account's customer's consent; 404 when there is no such customer. Returns
    whether it changed and the consent as stored afterwards."""
    async with in_transaction():
        customer = await who.locked(account_id)
        changed = await record(customer, marketing, source, now)
    return changed, view_of(customer)


async def record_for_phone(
    account_id: uuid.UUID, phone: str, marketing: Consent, source: str, now: dt.datetime
) -> bool:
    """The same change for a source outside the API (a webhook, a send's failure): a phone
    that names no customer changes nothing."""
    async with in_transaction():
        customer = (
            await Customer.filter(account_id=account_id, phone=phone)
            .select_for_update(no_key=True)
            .first()
        )
        if customer is None:
            return False
        return await record(customer, marketing, source, now)


async def is_opted_out(
    account_id: uuid.UUID, phone: str | None, user_id: str | None = None
) -> bool:
    """Whether the account's customer with this phone (or else this BSUID) has withdrawn
    marketing consent."""
    who = {"phone": phone} if phone is not None else {"bsuid": user_id}
    return await Customer.exists(account_id=account_id, marketing_consent=Consent.OPTED_OUT, **who)
