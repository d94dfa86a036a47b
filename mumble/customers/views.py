"""The customer object as get-customer shows it, built for one row or a page in a few queries."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from typing import Any

from mumble.clock import rfc3339
from mumble.db.prepared import Prepared, uuid_marker
from mumble.models import Agent, Bot, Customer, CustomerLabel, Team
from mumble.models.states import BotMode, Consent
from mumble.phones import country_of

# Columns read for a view; list queries use `.values(*VIEW_COLUMNS)`.
VIEW_COLUMNS = (
    "id",
    "phone",
    "bsuid",
    "name",
    "email",
    "source",
    "country",
    "conversation_status",
    "last_interaction",
    "agent_id",
    "team_id",
    "bot_id",
    "bot_mode",
    "attribution",
    "custom_fields",
    "marketing_consent",
    "consent_source",
    "consent_changed_at",
    "created_at",
)


def iso(moment: dt.datetime | None) -> str | None:
    """UTC "YYYY-MM-DDTHH:MM:SS" (the reference's format), or None."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds")


def consent_view(
    marketing: Consent | str | None, source: str | None, changed_at: dt.datetime | None
) -> dict[str, Any]:
    """`{"marketing": "opted_in"|"opted_out"|"unknown", "source", "changed_at"}`."""
    return {
        "marketing": Consent(marketing or Consent.UNKNOWN).value,
        "source": source,
        "changed_at": rfc3339(changed_at),
    }


def bot_view(mode: BotMode | None, bot: dict[str, Any] | None) -> dict[str, Any] | None:
    """`{"type": "flow"|"AI"|"turn_off", "id", "name"}`; type matches what bot_token accepts."""
    if mode == BotMode.AI:
        return {"type": mode.token, "id": None, "name": "AI"}
    if mode == BotMode.OFF:
        return {"type": mode.token, "id": None, "name": None}
    if mode == BotMode.FLOW and bot is not None:
        return {"type": mode.token, "id": bot["id"], "name": bot["name"]}
    return None


async def _names(model: type[Agent | Team | Bot], ids: set[Any]) -> dict[Any, dict[str, Any]]:
    if not ids:
        return {}
    rows = await model.filter(id__in=list(ids)).values("id", "name")
    return {row["id"]: {"id": str(row["id"]), "name": row["name"]} for row in rows}


# The labels of one customer (get-customer, event payloads): its SQL is built once.
_LABELS_OF_ONE = Prepared(
    CustomerLabel,
    lambda customer_id: (
        CustomerLabel.filter(customer_id=customer_id)
        .order_by("created_at", "id")
        .values("customer_id", "label__name")
    ),
    uuid_marker(),
)


async def customer_views(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Views of `.values(*VIEW_COLUMNS)` rows: labels, agents, teams and bots in one query each."""
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    labels: dict[Any, list[str]] = defaultdict(list)
    if len(ids) == 1:
        links = await _LABELS_OF_ONE.rows(ids[0])
    else:
        links = (
            await CustomerLabel.filter(customer_id__in=ids)
            .order_by("created_at", "id")
            .values("customer_id", "label__name")
        )
    for link in links:
        labels[link["customer_id"]].append(link["label__name"])
    agents = await _names(Agent, {row["agent_id"] for row in rows if row["agent_id"]})
    teams = await _names(Team, {row["team_id"] for row in rows if row["team_id"]})
    bots = await _names(Bot, {row["bot_id"] for row in rows if row["bot_id"]})
    return [
        build_view(
            row,
            labels.get(row["id"], []),
            agents.get(row["agent_id"]),
            teams.get(row["team_id"]),
            bots.get(row["bot_id"]),
        )
        for row in rows
    ]


def build_view(
    row: dict[str, Any],
    labels: list[str],
    agent: dict[str, Any] | None,
    team: dict[str, Any] | None,
    bot: dict[str, Any] | None,
) -> dict[str, Any]:
    """The view of one `.values(*VIEW_COLUMNS)` row, given what it links to (`{"id", "name"}`)."""
    return {
        "id": str(row["id"]),
        "name": row["name"],
        "phone": row["phone"],
        "user_id": row["bsuid"],
        "email": row["email"],
        "country": row["country"] or (country_of(row["phone"]) if row["phone"] else None),
        "conversation_status": row["conversation_status"],
        "last_interaction": iso(row["last_interaction"]),
        "source": row["source"],
        "agent": agent,
        "team": team,
        "bot": bot_view(row["bot_mode"], bot),
        "labels": labels,
        "attribution": row["attribution"] or {},
        "custom_fields": row["custom_fields"] or {},
        "consent": consent_view(
            row["marketing_consent"], row["consent_source"], row["consent_changed_at"]
        ),
        "created_at": iso(row["created_at"]),
    }


def view_row(customer: Customer) -> dict[str, Any]:
    """The `.values(*VIEW_COLUMNS)` row of a customer object (for `customer_views`)."""
    row = {column: getattr(customer, column) for column in VIEW_COLUMNS}
    if isinstance(row["id"], str):
        row["id"] = uuid.UUID(row["id"])
    return row


async def customer_view(customer: Customer) -> dict[str, Any]:
    """The object get-customer returns for this customer (also the payload of customer events)."""
    return (await customer_views([view_row(customer)]))[0]
