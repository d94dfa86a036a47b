"""Conversations: a customer's message history and the state of their 24-hour window."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from typing import Any

from tortoise.expressions import Subquery

from mumble.customers.changes import CUSTOMER_NOT_FOUND
from mumble.customers.service import find_customer
from mumble.customers.window import is_window_open, window_closes_at
from mumble.messages.views import message_view
from mumble.models import Account, Customer, Message
from mumble.paging import page_window

PER_PAGE = 50


async def find_by_bsuid(account_id: uuid.UUID, bsuid: str) -> Customer:
    """A customer known by its business-scoped user id (users who write with no phone number)."""
    customer = await Customer.get_or_none(account_id=account_id, bsuid=bsuid)
    if customer is None:
        raise CUSTOMER_NOT_FOUND()
    return customer


async def conversation_page(
    account_id: uuid.UUID,
    phone: str | None,
    page: int,
    *,
    base_url: str,
    bsuid: str | None = None,
) -> dict[str, Any]:
    """get-conversation: page 1 holds the newest messages, each page in chronological order.

    The customer is named by phone, or by BSUID (`bsuid`, when `phone` is None).
    """
    if phone is None:
        assert bsuid is not None
        customer = await find_by_bsuid(account_id, bsuid)
    else:
        customer = await find_customer(account_id, phone)
    account = await Account.get(id=account_id)
    query = Message.filter(account_id=account_id, customer_id=customer.id)
    total = await query.count()
    rows: list[Message] = []
    window = page_window(total, page, PER_PAGE)
    if window is not None:
        # Page 1 is the newest. Only the page's ids are read at depth, from the nearer end.
        order = ("occurred_at", "id") if window.from_end else ("-occurred_at", "-id")
        # The customer is the account's, so its id alone keys the (customer_id, occurred_at,
        # id) index, which then answers without touching the skipped rows.
        ids = (
            Message.filter(customer_id=customer.id)
            .order_by(*order)
            .offset(window.offset)
            .limit(window.limit)
            .values("id")
        )
        rows = await query.filter(id__in=Subquery(ids)).order_by("occurred_at", "id")
    messages = [message_view(m, customer, account, base_url=base_url) for m in rows]
    return {
        "messages": messages,
        "total": total,
        "pages": math.ceil(total / PER_PAGE),
        "current_page": page,
    }


async def window_state(
    account_id: uuid.UUID, phone: str, now: dt.datetime
) -> tuple[bool, dt.datetime | None]:
    """is-active-conv: whether the customer's 24-hour window is open at `now`, and when it
    closes (None when it is closed)."""
    customer = await find_customer(account_id, phone)
    if not is_window_open(customer.last_inbound_at, now):
        return False, None
    return True, window_closes_at(customer.last_inbound_at)
