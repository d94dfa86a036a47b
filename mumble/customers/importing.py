"""import-customers: upsert up to 1,000 customers by phone in one transaction, in bulk.

Rows were validated on their own first (`import_rows`); here, in one transaction and in a
handful of statements whatever the number of rows: the rows' flow bots are locked (so none is
deleted under us), the existing customers locked by phone, the custom field names the batch
needs defined at once (rows past the 15-name limit are refused, in row order), the new
customers inserted in one statement that skips phones taken meanwhile (those rows become
updates), the updates stored in one statement, and every event recorded in bulk. A row that
cannot be applied is answered as an error and the others go on; nothing fails at the database
for one row, so no savepoint is needed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tortoise.transactions import in_transaction

from mumble.customers.bulk import (
    Change,
    ViewData,
    bound_data,
    record_customer_events,
    save_changes,
)
from mumble.customers.custom_fields import TOO_MANY, register_batch
from mumble.customers.import_rows import Row
from mumble.customers.input import CustomerInput
from mumble.customers.service import BOT_NOT_FOUND, BotChoice, edit_values, uuid_or_none
from mumble.customers.warnings import near_miss_warnings
from mumble.db import rowsets
from mumble.models import Bot, Customer
from mumble.models.states import BotMode
from mumble.phones import country_of

CREATED, UPDATED, ERROR = "created", "updated", "error"


@dataclass(frozen=True)
class Outcome:
    row: int
    phone: str | None
    status: str
    message: str

    def view(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "phone": self.phone,
            "status": self.status,
            "message": self.message,
        }


def _word(token: str) -> BotChoice | None:
    word = token.strip().lower()
    if word == "ai":
        return BotMode.AI, None
    if word == "turn_off":
        return BotMode.OFF, None
    return None


async def _bots(account_id: uuid.UUID, rows: Sequence[CustomerInput]) -> dict[str, BotChoice]:
    """Each row's bot_token as `resolve_bot` reads it (unknown ones are left out); the flow
    bots are locked against deletion until the import commits."""
    tokens = {data.bot_token for data in rows if data.bot_token}
    choices = {token: word for token in tokens if (word := _word(token)) is not None}
    ids = {token: uuid_or_none(token) for token in tokens if token not in choices}
    wanted = [bot_id for bot_id in ids.values() if bot_id is not None]
    found: set[uuid.UUID] = set()
    if wanted:
        query = Bot.filter(account_id=account_id, id__in=wanted).select_for_update(no_key=True)
        found = {uuid.UUID(str(bot_id)) for bot_id in await query.values_list("id", flat=True)}
    for token, bot_id in ids.items():
        if bot_id in found:
            choices[token] = (BotMode.FLOW, bot_id)
    return choices


# One probe of the (account, phone) unique index per phone. `phone IN (...)` lets PostgreSQL
# pick the account's index and test every customer of the account against the list, each batch
# (measured: 1-2 s per batch of 1,000 at 50,000 customers, the import's time growing with the
# square of its size); a lateral lookup of both columns of a unique key is planned as an index
# probe whatever the statistics say.
LOCK_BY_PHONE = (
    "SELECT c.id FROM unnest($2::varchar[]) AS p(phone) CROSS JOIN LATERAL ("
    "SELECT id FROM customer WHERE account_id = $1 AND phone = p.phone "
    "FOR NO KEY UPDATE) AS c"
)


async def _locked(account_id: uuid.UUID, phones: Sequence[str]) -> dict[str, Customer]:
    """The account's customers with these phones, locked until the import commits."""
    if not phones:
        return {}
    query = Customer.filter(account_id=account_id)
    if rowsets.is_postgres(Customer):
        found = await rowsets.connection(Customer).execute_query_dict(
            LOCK_BY_PHONE, [account_id, list(phones)]
        )
        if not found:
            return {}
        query = query.filter(id__in=[row["id"] for row in found])
    else:
        query = query.filter(phone__in=list(phones)).select_for_update(no_key=True)
    return {c.phone: c for c in await query if c.phone}


def _new_customer(
    account_id: uuid.UUID, data: CustomerInput, bot: BotChoice | None, now: dt.datetime
) -> Customer:
    """A customer as add-new-customer creates it (values given as null are simply absent)."""
    mode, bot_id = bot or (None, None)
    return Customer(
        account_id=account_id,
        phone=data.phone,
        country=country_of(data.phone),
        bot_mode=mode,
        bot_id=bot_id,
        attribution={k: v for k, v in data.attribution.items() if v is not None},
        custom_fields={k: v for k, v in data.custom_fields.items() if v is not None},
        updated_at=now,
        **{k: v for k, v in data.profile.items() if v is not None},
    )


async def _insert(new: Sequence[Customer]) -> set[uuid.UUID]:
    """Insert in one statement, skipping any phone a concurrent writer took; the ids stored."""
    if not new:
        return set()
    if rowsets.is_postgres(Customer):
        rows = await rowsets.insert_rows(
            Customer, new, returning=("id",), skip_conflicts_on=("account_id", "phone")
        )
        return {uuid.UUID(str(row["id"])) for row in rows}
    await Customer.bulk_create(new, ignore_conflicts=True)
    stored = await Customer.filter(id__in=[c.id for c in new]).values_list("id", flat=True)
    return {uuid.UUID(str(customer_id)) for customer_id in stored}


def _created(view: dict[str, Any]) -> dict[str, Any]:
    return {"customer": view}


@dataclass(frozen=True)
class _Item:
    """A valid row still to apply."""

    number: int
    data: CustomerInput

    @property
    def phone(self) -> str:
        return self.data.phone


class _Import:
    """One call's rows and what became of each."""

    def __init__(self, account_id: uuid.UUID, rows: Sequence[Row], now: dt.datetime) -> None:
        self.account_id = account_id
        self.now = now
        self.outcomes: dict[int, Outcome] = {}
        self.pending: list[_Item] = []
        self.new_names: list[str] = []
        self.events: list[tuple[int, Customer, str, ViewData]] = []
        first: dict[str, int] = {}
        for row in rows:
            if row.data is None:
                self._fail(row.number, row.phone, row.error or "Invalid customer")
            elif row.data.phone in first:
                message = f"The phone is already in row {first[row.data.phone]}"
                self._fail(row.number, row.phone, message)
            else:
                first[row.data.phone] = row.number
                self.pending.append(_Item(row.number, row.data))

    def _fail(self, number: int, phone: str | None, message: str) -> None:
        self.outcomes[number] = Outcome(number, phone, ERROR, message)

    def _refuse(self, refused: Sequence[bool], message: str) -> None:
        """Answer the pending items marked True with `message`; keep the others."""
        for item, bad in zip(self.pending, refused, strict=True):
            if bad:
                self._fail(item.number, item.phone, message)
        self.pending = [item for item, bad in zip(self.pending, refused, strict=True) if not bad]

    async def run(self) -> None:
        bots = await _bots(self.account_id, [item.data for item in self.pending])
        tokens = [item.data.bot_token for item in self.pending]
        self._refuse([bool(token) and token not in bots for token in tokens], BOT_NOT_FOUND.message)
        wanted = [
            {key for key, value in item.data.custom_fields.items() if value is not None}
            for item in self.pending
        ]
        fits, self.new_names = await register_batch(self.account_id, wanted)
        self._refuse([not ok for ok in fits], TOO_MANY.message)
        existing = await _locked(self.account_id, [item.phone for item in self.pending])
        new = {
            item.number: _new_customer(self.account_id, item.data, _bot(item, bots), self.now)
            for item in self.pending
            if item.phone not in existing
        }
        stored = await _insert(list(new.values()))
        # Phones a concurrent writer created meanwhile are updated instead.
        taken = [number for number, customer in new.items() if customer.id not in stored]
        existing |= await _locked(self.account_id, [new[number].phone or "" for number in taken])
        updates = []
        for item in self.pending:
            customer = new.get(item.number)
            if customer is not None and customer.id in stored:
                self._done(item, customer, CREATED, "Customer created")
                self.events.append((item.number, customer, "customer.created", _created))
            else:
                customer = existing[item.phone]
                updates.append(
                    (item, Change(customer, edit_values(customer, item.data, _bot(item, bots))))
                )
        await self._update(updates)
        self.events.sort(key=lambda event: event[0])
        await record_customer_events(
            self.account_id, [(c, kind, data) for _, c, kind, data in self.events], self.now
        )

    def _done(self, item: _Item, customer: Customer, status: str, message: str) -> None:
        self.outcomes[item.number] = Outcome(item.number, customer.phone, status, message)

    async def _update(self, updates: Sequence[tuple[_Item, Change]]) -> None:
        changed = await save_changes([change for _, change in updates], self.now)
        for (item, change), columns in zip(updates, changed, strict=True):
            message = "Customer updated" if columns else "Customer already up to date"
            self._done(item, change.customer, UPDATED, message)
            if columns:
                data = bound_data(change.data, columns)
                self.events.append((item.number, change.customer, change.event, data))

    def answer(self, total: int) -> dict[str, Any]:
        results = [self.outcomes[number].view() for number in sorted(self.outcomes)]
        counts = dict.fromkeys((CREATED, UPDATED, ERROR), 0)
        for outcome in self.outcomes.values():
            counts[outcome.status] += 1
        answer: dict[str, Any] = {"results": results, "totals": {"rows": total, **counts}}
        warnings = near_miss_warnings(self.new_names)
        if warnings:
            answer["warnings"] = warnings
        return answer


def _bot(item: _Item, bots: dict[str, BotChoice]) -> BotChoice | None:
    token = item.data.bot_token
    return bots[token] if token else None


async def import_customers(
    account_id: uuid.UUID, rows: Sequence[Row], now: dt.datetime
) -> dict[str, Any]:
    """Upsert the rows by phone in one transaction; per-row results in row order and totals."""
    batch = _Import(account_id, rows, now)
    if batch.pending:
        async with in_transaction():
            await batch.run()
    return batch.answer(len(rows))
