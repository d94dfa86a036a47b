"""Routing a customer to an agent or a team of the same account, and back off them."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from tortoise.transactions import in_transaction

from mumble.customers.bulk import Change, apply_changes
from mumble.customers.changes import apply_change
from mumble.customers.recipient import Recipient
from mumble.customers.service import uuid_or_none
from mumble.errors import BadRequest, NotFound, Refusal
from mumble.models import Agent, Bot, Customer, Team

AGENT_NOT_FOUND = Refusal(NotFound, "Agent not found")
TEAM_NOT_FOUND = Refusal(NotFound, "Team not found")
# What unassign-customer removes: the agent, the team, or both.
UNASSIGN_FROM = {"agent": ("agent",), "team": ("team",), "all": ("agent", "team")}
BAD_FROM = Refusal(BadRequest, "'from' must be agent, team or all")


async def _assign(
    account_id: uuid.UUID,
    who: Recipient,
    model: type[Agent | Team],
    raw_id: object,
    missing: Refusal,
    now: dt.datetime,
) -> None:
    """Point the customer's agent or team at a row of the same account (404 otherwise).

    Records customer.assigned only when the assignment changes. The row is locked before the
    customer, in the order delete-agent / delete-team take them, so a concurrent delete either
    waits for this assignment and then takes the customer off, or commits first and this
    answers `missing` as for an unknown id (never a foreign-key violation). FOR NO KEY UPDATE
    conflicts with the delete's FOR UPDATE; it also makes assignments to one row take turns.
    """
    await who.get(account_id)  # an unknown customer is answered before an unknown agent
    target_id = uuid_or_none(raw_id)
    if target_id is None:
        raise missing()
    kind = "agent" if model is Agent else "team"
    async with in_transaction():
        row = (
            await model.filter(id=target_id, account_id=account_id)
            .select_for_update(no_key=True)
            .first()
        )
        if row is None:
            raise missing()
        assigned = {"id": str(row.id), "name": row.name}
        customer = await who.locked(account_id)
        await apply_change(
            customer,
            {f"{kind}_id": row.id},
            now,
            event="customer.assigned",
            data=lambda view, _: {"customer": view, kind: assigned},
        )


async def assign_agent(
    account_id: uuid.UUID, who: Recipient, agent_id: object, now: dt.datetime
) -> None:
    """assign-customer-to-agent: 404 "Customer not found" / "Agent not found"."""
    await _assign(account_id, who, Agent, agent_id, AGENT_NOT_FOUND, now)


async def assign_team(
    account_id: uuid.UUID, who: Recipient, team_id: object, now: dt.datetime
) -> None:
    """assign-customer-to-team: 404 "Customer not found" / "Team not found"."""
    await _assign(account_id, who, Team, team_id, TEAM_NOT_FOUND, now)


async def _named(model: type[Agent | Team], row_id: object) -> dict[str, str] | None:
    if row_id is None:
        return None
    row = await model.filter(id=row_id).values("id", "name")
    return {"id": str(row[0]["id"]), "name": row[0]["name"]} if row else None


async def unassign(
    account_id: uuid.UUID, who: Recipient, source: str, now: dt.datetime
) -> list[str]:
    """unassign-customer: take the customer off its agent, its team, or both ("all").

    Records one customer.assigned whose data names what was removed (`agent` / `team` null,
    `previous_agent` / `previous_team` the one it had); nothing assigned means no change and no
    event. Returns the kinds removed ("agent", "team").
    """
    kinds = UNASSIGN_FROM.get(source.strip().lower())
    if kinds is None:
        raise BAD_FROM()
    async with in_transaction():
        customer = await who.locked(account_id)
        previous = {
            "agent": await _named(Agent, customer.agent_id),  # type: ignore[attr-defined]
            "team": await _named(Team, customer.team_id),  # type: ignore[attr-defined]
        }
        changed = await apply_change(
            customer,
            {f"{kind}_id": None for kind in kinds},
            now,
            event="customer.assigned",
            data=lambda view, columns: {
                "customer": view,
                **{
                    name: value
                    for kind in kinds
                    if f"{kind}_id" in columns
                    for name, value in ((kind, None), (f"previous_{kind}", previous[kind]))
                },
            },
        )
    return [kind for kind in kinds if f"{kind}_id" in changed]


# Customers released per statement when their agent, team or bot is deleted.
_RELEASE_BATCH = 500


async def release(account_id: uuid.UUID, row: Agent | Team | Bot, now: dt.datetime) -> int:
    """Take every customer of the account off `row` (an agent, team or bot about to be deleted),
    inside the caller's transaction: one customer.assigned each, as unassign-customer records
    it (`agent` / `team` / `bot` null, `previous_...` the row). Returns how many changed."""
    kind = "agent" if isinstance(row, Agent) else "team" if isinstance(row, Team) else "bot"
    values: dict[str, object] = {f"{kind}_id": None}
    if kind == "bot":
        # No bot answers them any more, as for a customer never given one.
        values["bot_mode"] = None
    previous = {"id": str(row.id), "name": row.name}

    def data(view: dict[str, Any], _: list[str]) -> dict[str, Any]:
        return {"customer": view, kind: None, f"previous_{kind}": previous}

    released = 0
    while True:
        customers = (
            await Customer.filter(account_id=account_id, **{f"{kind}_id": row.id})
            .select_for_update(no_key=True)
            .order_by("id")
            .limit(_RELEASE_BATCH)
        )
        if not customers:
            return released
        changes = [
            Change(customer, values, event="customer.assigned", data=data) for customer in customers
        ]
        await apply_changes(account_id, changes, now)
        released += len(customers)
