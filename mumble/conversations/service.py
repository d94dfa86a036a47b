"""Conversations: a customer's message history and the state of their 24-hour window."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from typing import Any

from mumble.conversations.window import is_window_open
from mumble.customers.service import find_customer
from mumble.messages.views import message_view
from mumble.models import Account, Message

PER_PAGE = 50


async def conversation_page(
    account_id: uuid.UUID, phone: str, page: int, *, base_url: str
) -> dict[str, Any]:
    """get-conversation: page 1 holds the newest messages, each page in chronological order."""
    customer = await find_customer(account_id, phone)
    account = await Account.get(id=account_id)
    query = Message.filter(account_id=account_id, customer_id=customer.id)
    total = await query.count()
    rows = await query.order_by("-occurred_at", "-id").offset((page - 1) * PER_PAGE).limit(PER_PAGE)
    messages = [message_view(m, customer, account, base_url=base_url) for m in reversed(rows)]
    return {
        "messages": messages,
        "total": total,
        "pages": math.ceil(total / PER_PAGE),
        "current_page": page,
    }


async def is_active(account_id: uuid.UUID, phone: str, now: dt.datetime) -> bool:
    """is-active-conv: whether the customer's 24-hour window is open at `now`."""
    customer = await find_customer(account_id, phone)
    return is_window_open(customer.last_inbound_at, now)
