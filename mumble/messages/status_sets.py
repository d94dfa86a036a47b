"""Status webhooks applied as a set on PostgreSQL: one read, one write, the events at once.

Applying statuses one by one costs about ten round trips each (a transaction, an advisory lock,
the locked read, the save, the customer and account, the event and its fan-out). A set of
statuses, from one webhook POST or from concurrent ones (`mumble.db.batches`), is applied in one
transaction instead:

1. one SELECT of the messages the statuses name, with their customers, locked in id order (so
   two sets sharing messages wait for each other instead of deadlocking);
2. the rules of `mumble.messages.statuses.step`, the same ones the general path runs, applied
   in memory in the order the statuses came, each status on the state the previous ones left;
3. one UPDATE of the changed rows, a compare-and-set on the status read (a row that changed
   under us is left alone and its statuses go the general way);
4. the events, one per rung passed, and their deliveries to the subscribed endpoints
   (`mumble.events.outbox.record_event_set`).

What the set does not handle goes the general path (`statuses.apply_status`), one status at a
time, after the set committed: a wamid with no message yet (parked in PendingStatus, with the
advisory lock that guards the race against its send) and a row the compare-and-set missed. The
results say which statuses the set applied. SQLite keeps the general path throughout.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import orjson
from tortoise import timezone
from tortoise.models import Model
from tortoise.transactions import in_transaction

from mumble.db import rowsets
from mumble.db.batches import Coalescer
from mumble.db.config import is_postgres
from mumble.events.outbox import Pending, Stamped, record_event_set
from mumble.messages.statuses import StatusUpdate, step
from mumble.messages.views import event_data
from mumble.models import Account, Customer, Message
from mumble.models.states import Direction
from mumble.observability import metrics
from mumble.settings import Settings


@dataclass(frozen=True)
class StatusItem:
    """One status of a webhook for one account, with the time it was handled at."""

    account: Account
    update: StatusUpdate
    now: dt.datetime
    base_url: str


def _projection(model: type[Model], alias: str) -> str:
    return ", ".join(
        f'{alias}."{column}" AS "{alias}.{column}"'
        for column in model._meta.fields_db_projection.values()
    )


@functools.cache
def _select() -> str:
    # Built on first use: Tortoise adds the foreign key columns to the models when it starts.
    return (
        f"SELECT {_projection(Message, 'm')}, {_projection(Customer, 'c')} "
        "FROM unnest($1::uuid[], $2::text[]) AS k(account_id, wamid) "
        'JOIN "message" m ON m."account_id" = k.account_id AND m."wamid" = k.wamid '
        'JOIN "customer" c ON c."id" = m."customer_id" '
        'ORDER BY m."id" FOR UPDATE OF m'
    )


# The columns a status writes; the rest of the row is as read (and locked).
_WRITTEN = (
    ("status", "varchar"),
    ("error_code", "int"),
    ("error_message", "text"),
    ("sent_at", "timestamptz"),
    ("delivered_at", "timestamptz"),
    ("read_at", "timestamptz"),
    ("failed_at", "timestamptz"),
    ("updated_at", "timestamptz"),
)
_UPDATE = (
    'UPDATE "message" AS m SET '
    + ", ".join(f'"{name}" = v.{name}' for name, _ in _WRITTEN)
    + " FROM jsonb_to_recordset($1::jsonb) AS v(id bigint, old_status varchar, "
    + ", ".join(f"{name} {kind}" for name, kind in _WRITTEN)
    + ') WHERE m."id" = v.id AND m."status" = v.old_status RETURNING m."id"'
)


def _split(row: dict[str, object], alias: str) -> dict[str, object]:
    prefix = alias + "."
    return {key[len(prefix) :]: value for key, value in row.items() if key.startswith(prefix)}


@dataclass
class _Found:
    message: Message
    customer: Customer
    old_status: str
    changed: bool = False


async def _read(items: Sequence[StatusItem]) -> dict[tuple[uuid.UUID, str], _Found]:
    keys = sorted({(item.account.id, item.update.wamid) for item in items})
    rows = await rowsets.connection(Message).execute_query_dict(
        _select(), [[account for account, _ in keys], [wamid for _, wamid in keys]]
    )
    found = {}
    for row in rows:
        message = Message._init_from_db(**_split(row, "m"))
        customer = Customer._init_from_db(**_split(row, "c"))
        key = (message.account_id, str(message.wamid))  # type: ignore[attr-defined]
        found[key] = _Found(message, customer, message.status)
    return found


async def _write(found: Sequence[_Found]) -> set[int]:
    """UPDATE the changed rows whose status is still the one read; the ids written."""
    stamp = timezone.now()
    rows = []
    for entry in found:
        message = entry.message
        row = {name: getattr(message, name) for name, _ in _WRITTEN}
        rows.append(row | {"id": message.id, "old_status": entry.old_status, "updated_at": stamp})
    if not rows:
        return set()
    written = await rowsets.connection(Message).execute_query_dict(
        _UPDATE, [orjson.dumps(rows).decode()]
    )
    for entry in found:
        if entry.message.id in {row["id"] for row in written}:
            entry.message.updated_at = stamp
    return {int(row["id"]) for row in written}


async def apply_known(items: list[StatusItem]) -> list[bool]:
    """Apply, in one transaction, the statuses whose message is stored; True for each applied
    (its message's row and events written as `apply_status` would), False for each left to
    the general path (unknown wamid, or its row changed under us)."""
    applied = [False] * len(items)
    if not items or not rowsets.is_postgres(Message):
        # SQLite runs one transaction at a time: every status goes the general path.
        return applied
    async with in_transaction():
        found = await _read(items)
        events: list[tuple[int, StatusItem, Stamped]] = []
        for index, item in enumerate(items):
            entry = found.get((item.account.id, item.update.wamid))
            if entry is None:
                continue
            done = step(entry.message, item.update)
            applied[index] = True
            entry.changed = entry.changed or bool(done.changed)
            if not done.moved:
                continue
            data = event_data(entry.message, entry.customer, item.account, base_url=item.base_url)
            for rung in done.passed:
                pending = Pending(f"message.{rung}", {**data, "status": rung}, entry.customer.id)
                events.append((entry.message.id, item, Stamped(item.account.id, pending, item.now)))
        changed = [entry for entry in found.values() if entry.changed]
        written = await _write(changed)
        missed = {entry.message.id for entry in changed} - written
        if missed:
            # Their statuses go the general way: not one of them is written here.
            for index, item in enumerate(items):
                entry = found.get((item.account.id, item.update.wamid))
                if entry is not None and entry.message.id in missed:
                    applied[index] = False
        kept = [
            (message_id, stamped) for message_id, _, stamped in events if message_id not in missed
        ]
        await record_event_set([stamped for _, stamped in kept])
    for _, stamped in kept:
        metrics.count_message(Direction.OUTBOUND, stamped.event.type.removeprefix("message."))
    return applied


# A set never grows past this many statuses (Meta sends up to 1,000 in one POST).
SET_LIMIT = 1_000


def coalescer(settings: Settings) -> Coalescer[StatusItem, bool] | None:
    """The process's status coalescer, or None where statuses go one by one (SQLite, or
    `status_sets` off)."""
    if not settings.status_sets or not is_postgres(settings.database_url):
        return None
    return Coalescer(apply_known, window=settings.status_batch_ms / 1000, limit=SET_LIMIT)
