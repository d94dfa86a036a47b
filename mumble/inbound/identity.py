"""Who wrote in: the inbound wa_id (or business-scoped user id) as one of our customers.

WhatsApp reports some numbers in another national form than a CRM may have stored them:
Brazil's mobile 9th digit (55 DD 9XXXXXXXX vs 55 DD XXXXXXXX), Mexico's 521/52 and Argentina's
549/54 mobile prefixes. `phone_variants` is pure; `resolve_customer` finds the customer with one
query over every variant and the BSUID, or creates it on first contact.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from mumble.customers.changes import apply_change
from mumble.customers.service import create_customer, ensure_customer
from mumble.errors import MumbleError
from mumble.models import Customer
from mumble.phones import normalize_phone
from mumble.text import NAME_MAX, clip

log = logging.getLogger("mumble.inbound")


def phone_variants(phone: str) -> list[str]:
    """`phone` first, then the other national forms of the same mobile number (digits only)."""
    variants = [phone]
    n = len(phone)
    if phone.startswith("55") and n == 13 and phone[4] == "9":
        variants.append(phone[:4] + phone[5:])  # Brazil without the 9th digit
    elif phone.startswith("55") and n == 12 and phone[4] in "6789":
        variants.append(phone[:4] + "9" + phone[4:])  # Brazil mobile with the 9th digit
    elif phone.startswith("521") and n == 13:
        variants.append("52" + phone[3:])  # Mexico: the old mobile "1" dropped
    elif phone.startswith("52") and n == 12:
        variants.append("521" + phone[2:])
    elif phone.startswith("549") and n == 13:
        variants.append("54" + phone[3:])  # Argentina: the mobile "9" dropped
    elif phone.startswith("54") and n == 12:
        variants.append("549" + phone[2:])
    return variants


def usable_phone(wa_id: object) -> str | None:
    """The wa_id as our phone digits, or None when it is absent or not a phone number."""
    if wa_id is None or wa_id == "":
        return None
    try:
        return normalize_phone(wa_id)
    except MumbleError:
        return None


def _pick(found: list[Customer], variants: list[str], bsuid: str | None) -> Customer | None:
    by_phone = {c.phone: c for c in found if c.phone}
    for phone in variants:
        if phone in by_phone:
            return by_phone[phone]
    return next((c for c in found if bsuid and c.bsuid == bsuid), None)


async def _fill_in(
    customer: Customer, name: str | None, bsuid: str | None, now: dt.datetime
) -> None:
    """Complete what we did not know: a missing name or BSUID (never overwrite the CRM's)."""
    values: dict[str, str] = {}
    if name and not customer.name:
        values["name"] = name
    if bsuid and not customer.bsuid:
        taken = await Customer.filter(account_id=customer.account_id, bsuid=bsuid).exists()  # type: ignore[attr-defined]
        if not taken:
            values["bsuid"] = bsuid
    if values:
        async with in_transaction():
            await apply_change(customer, values, now)


async def _create_bsuid_only(
    account_id: uuid.UUID, bsuid: str, name: str | None, now: dt.datetime
) -> Customer:
    """A customer known only by a business-scoped user id (a WhatsApp username, no phone)."""
    try:
        async with in_transaction():
            profile = {"name": name} if name else {}
            return await create_customer(account_id, now, bsuid=bsuid, profile=profile)
    except IntegrityError:
        return await Customer.get(account_id=account_id, bsuid=bsuid)


async def _create_with_phone(
    account_id: uuid.UUID, phone: str, name: str | None, now: dt.datetime
) -> Customer:
    try:
        return await ensure_customer(account_id, phone, now, name=name)
    except MumbleError:
        # A profile name we cannot store must not lose the message: keep the customer nameless.
        log.info("inbound profile name refused for a new customer, stored without it")
        return await ensure_customer(account_id, phone, now)


async def resolve_customer(
    account_id: uuid.UUID,
    phone: str | None,
    bsuid: str | None,
    name: str | None,
    now: dt.datetime,
) -> Customer:
    """The existing customer for this phone (any national form) or BSUID, else a new one."""
    if name:
        name = clip(name.strip(), NAME_MAX) or None
    variants = phone_variants(phone) if phone else []
    condition = Q(phone__in=variants) if variants else Q(pk__isnull=True)
    if bsuid:
        condition = condition | Q(bsuid=bsuid)
    found = await Customer.filter(Q(account_id=account_id) & condition)
    customer = _pick(list(found), variants, bsuid)
    if customer is not None:
        await _fill_in(customer, name, bsuid, now)
        return customer
    if phone:
        customer = await _create_with_phone(account_id, phone, name, now)
        await _fill_in(customer, None, bsuid, now)
        return customer
    if bsuid:
        return await _create_bsuid_only(account_id, bsuid, name, now)
    raise ValueError("an inbound message names neither a phone number nor a user id")
