"""get-customer's view through the process's read cache (`mumble.db.readcache`).

Keyed by the account and the address the customer was asked by, so one tenant's request can
never be answered with another's row; tagged with the customer's id (what the change triggers
name) and its account (what a renamed label, agent, team or bot names).
"""

from __future__ import annotations

import uuid
from typing import Any

from mumble.customers import hotview
from mumble.customers.changes import CUSTOMER_NOT_FOUND
from mumble.customers.recipient import Recipient
from mumble.customers.views import customer_view
from mumble.db.readcache import ReadCache


async def customer_view_of(
    cache: ReadCache, account_id: uuid.UUID, who: Recipient
) -> dict[str, Any]:
    """The view get-customer answers for the account's customer `who` names; 404 when none.

    Served from `cache` when held there (no database round trip); a miss is read (one
    statement by phone on PostgreSQL, `mumble.customers.hotview`), then stored unless a change
    was heard while it was read. Never mutate the result: it is shared."""
    key = (account_id, who.phone, who.user_id)
    view: dict[str, Any] | None = cache.get(key)
    if view is not None:
        return view
    ticket = cache.ticket()
    if who.phone is not None and hotview.available():
        found = await hotview.view_by_phone(account_id, who.phone)
        if found is None:
            raise CUSTOMER_NOT_FOUND()
        customer_id, view = found
    else:
        customer = await who.get(account_id)
        customer_id, view = str(customer.id), await customer_view(customer)
    cache.put(ticket, key, customer_id, str(account_id), view)
    return view
