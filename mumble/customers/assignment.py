"""Routing a customer to an agent or a team of the same account."""

from __future__ import annotations

import datetime as dt
import uuid

from tortoise.transactions import in_transaction

from mumble.customers.changes import apply_change, locked_customer
from mumble.customers.service import find_customer, uuid_or_none
from mumble.errors import NotFound, Refusal
from mumble.models import Agent, Team

AGENT_NOT_FOUND = Refusal(NotFound, "Agent not found")
TEAM_NOT_FOUND = Refusal(NotFound, "Team not found")


async def _assign(
    account_id: uuid.UUID,
    phone: str,
    model: type[Agent | Team],
    raw_id: object,
    missing: Refusal,
    now: dt.datetime,
) -> None:
    """Point the customer's agent or team at a row of the same account (404 otherwise).

    Records customer.assigned only when the assignment changes.
    """
    customer = await find_customer(account_id, phone)
    target_id = uuid_or_none(raw_id)
    row = None
    if target_id is not None:
        row = await model.get_or_none(id=target_id, account_id=account_id)
    if row is None:
        raise missing()
    kind = "agent" if model is Agent else "team"
    assigned = {"id": str(row.id), "name": row.name}
    async with in_transaction():
        customer = await locked_customer(account_id, customer.phone or phone)
        await apply_change(
            customer,
            {f"{kind}_id": row.id},
            now,
            event="customer.assigned",
            data=lambda view, _: {"customer": view, kind: assigned},
        )


async def assign_agent(
    account_id: uuid.UUID, phone: str, agent_id: object, now: dt.datetime
) -> None:
    """assign-customer-to-agent: 404 "Customer not found" / "Agent not found"."""
    await _assign(account_id, phone, Agent, agent_id, AGENT_NOT_FOUND, now)


async def assign_team(account_id: uuid.UUID, phone: str, team_id: object, now: dt.datetime) -> None:
    """assign-customer-to-team: 404 "Customer not found" / "Team not found"."""
    await _assign(account_id, phone, Team, team_id, TEAM_NOT_FOUND, now)
