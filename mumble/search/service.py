"""search-customers: the account's customers matching every filter, a page at a time.

Each filter is one condition on an indexed column of the account's customers (see the indexes
of `models.Customer` and `CustomerLabel`), so the database answers from an index on a million
customers; pages continue after the cursor's (created_at, id) position.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from mumble.clock import rfc3339
from mumble.customers.assignment import AGENT_NOT_FOUND, TEAM_NOT_FOUND
from mumble.customers.fields import CONVERSATION_STATUS_SET
from mumble.customers.service import BOT_NOT_FOUND, INVALID_STATUS, uuid_or_none
from mumble.customers.views import VIEW_COLUMNS, customer_views
from mumble.errors import BadRequest, Refusal
from mumble.labels.service import LABEL_NOT_FOUND
from mumble.models import Agent, Bot, Customer, CustomerLabel, Label, Team
from mumble.models.states import BotMode, Consent
from mumble.search.filters import Filters, Position, decode_cursor, encode_cursor

PAGE_MAX = 250
NONE = "none"
INVALID_CONSENT = Refusal(BadRequest, "'consent' must be opted_in, opted_out or unknown")
REFUSALS = (
    INVALID_CONSENT,
    INVALID_STATUS,
    LABEL_NOT_FOUND,
    AGENT_NOT_FOUND,
    TEAM_NOT_FOUND,
    BOT_NOT_FOUND,
)


async def _label_ids(account_id: uuid.UUID, names: Sequence[str]) -> list[uuid.UUID]:
    rows = await Label.filter(account_id=account_id, name__in=list(names)).values_list("name", "id")
    found = {str(name): uuid.UUID(str(label_id)) for name, label_id in rows}
    missing = [name for name in names if name not in found]
    if missing:
        raise LABEL_NOT_FOUND(details=[f"No label named {name!r}" for name in missing])
    return [found[name] for name in names]


async def _owned(
    account_id: uuid.UUID, model: type[Agent | Team | Bot], raw: str, missing: Refusal
) -> uuid.UUID:
    """The id of a row of the account (an agent, team or bot), else 404."""
    row_id = uuid_or_none(raw)
    if row_id is None or not await model.exists(id=row_id, account_id=account_id):
        raise missing()
    return row_id


async def _assigned(
    account_id: uuid.UUID, column: str, model: type[Agent | Team], raw: str, missing: Refusal
) -> Q:
    lookup: dict[str, Any] = {f"{column}__isnull": True}
    if raw.strip().lower() != NONE:
        lookup = {column: await _owned(account_id, model, raw, missing)}
    return Q(**lookup)


async def _bot(account_id: uuid.UUID, raw: str) -> Q:
    word = raw.strip().lower()
    if word == "ai":
        return Q(bot_mode=BotMode.AI)
    if word == NONE:
        # No bot answers: never set, turned off, or a flow bot that was deleted.
        return (
            Q(bot_mode__isnull=True)
            | Q(bot_mode=BotMode.OFF)
            | Q(bot_mode=BotMode.FLOW, bot_id__isnull=True)
        )
    return Q(bot_id=await _owned(account_id, Bot, raw, BOT_NOT_FOUND), bot_mode=BotMode.FLOW)


def _text(query: str) -> Q:
    condition = Q(name__icontains=query) | Q(email__icontains=query)
    digits = query.replace("+", "").replace(" ", "").replace("-", "")
    if digits.isascii() and digits.isdigit():
        condition |= Q(phone__startswith=digits)
    return condition


def _consent(raw: str) -> Consent:
    try:
        return Consent(raw.strip().lower())
    except ValueError:
        raise INVALID_CONSENT() from None


async def _conditions(account_id: uuid.UUID, filters: Filters) -> list[Q]:
    """One condition per filter given; 400/404 for a status, label, agent, team or bot that
    the account does not have."""
    found: list[Q] = []
    if filters.labels:
        ids = await _label_ids(account_id, filters.labels)
        groups = [ids] if filters.labels_match == "any" else [[label_id] for label_id in ids]
        for group in groups:
            members = CustomerLabel.filter(label_id__in=group).values("customer_id")
            found.append(Q(id__in=Subquery(members)))
    if filters.statuses:
        if not set(filters.statuses) <= CONVERSATION_STATUS_SET:
            raise INVALID_STATUS()
        found.append(Q(conversation_status__in=list(filters.statuses)))
    if filters.agent_id is not None:
        found.append(
            await _assigned(account_id, "agent_id", Agent, filters.agent_id, AGENT_NOT_FOUND)
        )
    if filters.team_id is not None:
        found.append(await _assigned(account_id, "team_id", Team, filters.team_id, TEAM_NOT_FOUND))
    if filters.bot is not None:
        found.append(await _bot(account_id, filters.bot))
    bounds: tuple[tuple[str, Any], ...] = (
        ("created_at__gte", filters.created_since),
        ("updated_at__gte", filters.updated_since),
        ("last_interaction__lt", filters.last_interaction_before),
        ("last_interaction__gt", filters.last_interaction_after),
    )
    found += [Q(**{lookup: moment}) for lookup, moment in bounds if moment is not None]
    if filters.query:
        found.append(_text(filters.query))
    if filters.consent is not None:
        state = _consent(filters.consent)
        condition = Q(marketing_consent=state)
        if state == Consent.UNKNOWN:
            condition |= Q(marketing_consent__isnull=True)
        found.append(condition)
    return found


async def matching(
    account_id: uuid.UUID, filters: Filters, after: Position | None = None
) -> QuerySet[Customer]:
    """The account's customers matching `filters` after `after`, in (created_at, id) order."""
    conditions = await _conditions(account_id, filters)
    query = Customer.filter(Q(account_id=account_id), *conditions)
    if after is not None:
        # (created_at, id) > the position, written so that created_at bounds the index range.
        query = query.filter(
            Q(created_at__gte=after.created_at),
            Q(created_at__gt=after.created_at) | Q(id__gt=after.customer_id),
        )
    return query.order_by("created_at", "id")


async def search(
    account_id: uuid.UUID, filters: Filters, *, cursor: str | None, limit: int
) -> dict[str, Any]:
    """One page: the customers as get-customer shows them (plus `updated_at`) and the cursor
    of the next page (null on the last)."""
    after = decode_cursor(cursor, filters) if cursor else None
    query = await matching(account_id, filters, after)
    rows = await query.limit(limit + 1).values(*VIEW_COLUMNS, "updated_at")
    page = rows[:limit]
    views = await customer_views(page)
    for view, row in zip(views, page, strict=True):
        view["updated_at"] = rfc3339(row["updated_at"])
    next_cursor = None
    if len(rows) > limit:
        last = page[-1]
        next_cursor = encode_cursor(Position(last["created_at"], last["id"]), filters)
    return {"customers": views, "next_cursor": next_cursor}
