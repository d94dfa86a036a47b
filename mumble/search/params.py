"""The parameters of search-customers (and get-label-customers' paging), declared once."""

from __future__ import annotations

from typing import Literal

from mumble.customers.fields import CONVERSATION_STATUSES
from mumble.customers.schemas import CUSTOMER
from mumble.endpoint import Call
from mumble.errors import BadRequest, Refusal
from mumble.models import Consent
from mumble.openapi.schema import array, nullable, string, success
from mumble.params import bounded_int, text, texts, timestamp, value
from mumble.search import service
from mumble.search.filters import CURSOR_MAX, Filters

LABELS_MATCH_INVALID = Refusal(BadRequest, "'labels_match' must be any or all")
_STAMP = "RFC 3339, e.g. 2026-06-29T12:00:00Z (no offset means UTC)."

LABELS = texts(
    "labels",
    max_items=20,
    max_length=100,
    description="Label names: a JSON array, or comma-separated in a query string.",
)
LABELS_MATCH = value(
    "labels_match",
    string("`any` (default): in any of the labels; `all`: in every one.", enum=["any", "all"]),
)
STATUSES = texts(
    "conversation_status",
    max_items=len(CONVERSATION_STATUSES),
    max_length=32,
    description="One or more conversation statuses.",
)
AGENT = text("agent_id", max_length=64, description="An agent's id, or `none` for unassigned.")
TEAM = text("team_id", max_length=64, description="A team's id, or `none` for no team.")
BOT = text("bot", max_length=64, description="`AI`, a flow bot's id, or `none` (no bot answers).")
CREATED_SINCE = timestamp("created_since", description=f"Created at or after. {_STAMP}")
UPDATED_SINCE = timestamp(
    "updated_since",
    description="Changed at or after (fields, labels, assignment, status, bot): for "
    f"incremental sync. {_STAMP}",
)
BEFORE = timestamp("last_interaction_before", description=f"Last message before. {_STAMP}")
AFTER = timestamp("last_interaction_after", description=f"Last message after. {_STAMP}")
QUERY = text(
    "query",
    max_length=200,
    description="Part of the name or email (case-insensitive), or the start of the phone.",
)
CONSENT = text(
    "consent",
    max_length=16,
    description="Marketing consent: `opted_in`, `opted_out` or `unknown`.",
    enum=[state.value for state in Consent],
)
CURSOR = text("cursor", max_length=CURSOR_MAX, description="`next_cursor` of the previous page.")
LIMIT = bounded_int(
    "limit", default=service.PAGE_MAX, minimum=1, maximum=service.PAGE_MAX, description="Page size."
)
PAGE = success(
    {
        "customers": array(
            {
                **CUSTOMER,
                "properties": {**CUSTOMER["properties"], "updated_at": string(format="date-time")},
            }
        ),
        "next_cursor": nullable(string("Pass as `cursor` for the next page; null on the last.")),
    },
    ("customers", "next_cursor"),
)


def filters_of(call: Call) -> Filters:
    """The search's filters from the call's parameters."""
    match: Literal["any", "all"] = "any"
    if call.arg(LABELS_MATCH) == "all":
        match = "all"
    elif call.arg(LABELS_MATCH) not in (None, "", "any"):
        raise LABELS_MATCH_INVALID()
    return Filters(
        labels=call.arg(LABELS),
        labels_match=match,
        statuses=call.arg(STATUSES),
        agent_id=call.arg(AGENT),
        team_id=call.arg(TEAM),
        bot=call.arg(BOT),
        created_since=call.arg(CREATED_SINCE),
        updated_since=call.arg(UPDATED_SINCE),
        last_interaction_before=call.arg(BEFORE),
        last_interaction_after=call.arg(AFTER),
        query=call.arg(QUERY),
        consent=call.arg(CONSENT),
    )
