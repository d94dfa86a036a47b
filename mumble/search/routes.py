"""search-customers: customers by label, status, assignment, bot, dates and text, with cursors."""

from __future__ import annotations

from typing import Any

from mumble.endpoint import Call, Endpoint, api_route
from mumble.search import service
from mumble.search.filters import INVALID_CURSOR
from mumble.search.params import (
    AFTER,
    AGENT,
    BEFORE,
    BOT,
    CONSENT,
    CREATED_SINCE,
    CURSOR,
    LABELS,
    LABELS_MATCH,
    LABELS_MATCH_INVALID,
    LIMIT,
    PAGE,
    QUERY,
    STATUSES,
    TEAM,
    UPDATED_SINCE,
    filters_of,
)

TAG = "Customers"

SEARCH = Endpoint(
    "GET",
    "/search-customers",
    "customers:read",
    "Find customers by labels, status, assignment, bot, consent, dates or text, a page at a time.",
    TAG,
    PAGE,
    params=(
        LABELS,
        LABELS_MATCH,
        STATUSES,
        AGENT,
        TEAM,
        BOT,
        CREATED_SINCE,
        UPDATED_SINCE,
        BEFORE,
        AFTER,
        QUERY,
        CONSENT,
        CURSOR,
        LIMIT,
    ),
    errors=(*service.REFUSALS, INVALID_CURSOR, LABELS_MATCH_INVALID),
    action="read customers",
    description="Every filter given must match. Sorted by creation (oldest first, a stable "
    "order): follow `next_cursor` until it is null; customers added meanwhile never make a "
    "page skip or repeat anyone. At most 250 a page.",
)


async def search_customers(call: Call) -> dict[str, Any]:
    page = await service.search(
        call.account_id, filters_of(call), cursor=call.arg(CURSOR), limit=call.arg(LIMIT)
    )
    return {"success": True, **page}


routes = [api_route(SEARCH, search_customers)]
