"""Conversations: a customer's message history and the state of their 24-hour window."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from typing import Any

from tortoise.expressions import Subquery

from mumble.customers.recipient import Recipient
from mumble.customers.window import is_window_open, window_closes_at
from mumble.messages.views import message_view
from mumble.models import Account, Message
from mumble.paging import page_window

PER_PAGE = 50


async def conversation_page(
    account_id: uuid.UUID, who: Recipient, page: int, *, base_url: str
) -> dict[str, Any]:
    """get-conversation of the customer `who` names: page 1 holds the newest messages, each
    page in chronological order."""
    customer = await who.get(account_id)
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
    account_id: uuid.UUID, who: Recipient, now: dt.datetime
) -> tuple[bool, dt.datetime | None]:
    """is-active-conv: whether the customer's 24-hour window is open at `now`, and when it
    closes (None when it is closed)."""
    customer = await who.get(account_id)
    if not is_window_open(customer.last_inbound_at, now):
        return False, None
    return True, window_closes_at(customer.last_inbound_at)
