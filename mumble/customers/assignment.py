"""Routing a customer to an agent or a team of the same account."""

from __future__ import annotations

import uuid

from tortoise.transactions import in_transaction

from mumble.customers.service import customer_view, find_customer, locked_customer, uuid_or_none
from mumble.errors import NotFound, Refusal
from mumble.events.outbox import record_event
from mumble.models import Agent, Team

AGENT_NOT_FOUND = Refusal(NotFound, "Agent not found")
TEAM_NOT_FOUND = Refusal(NotFound, "Team not found")


async def _assign(
    account_id: uuid.UUID, phone: str, model: type[Agent | Team], raw_id: object, missing: Refusal
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
    async with in_transaction():
        customer = await locked_customer(account_id, customer.phone or phone)
        if getattr(customer, f"{kind}_id") == row.id:
            return  # already assigned: nothing changed, no event
        setattr(customer, f"{kind}_id", row.id)
        await customer.save(update_fields=[f"{kind}_id", "updated_at"])
        view = await customer_view(customer)
        await record_event(
            account_id,
            "customer.assigned",
            {"customer": view, kind: {"id": str(row.id), "name": row.name}},
            customer_id=customer.id,
        )


async def assign_agent(account_id: uuid.UUID, phone: str, agent_id: object) -> None:
    """assign-customer-to-agent: 404 "Customer not found" / "Agent not found"."""
    await _assign(account_id, phone, Agent, agent_id, AGENT_NOT_FOUND)


async def assign_team(account_id: uuid.UUID, phone: str, team_id: object) -> None:
    """assign-customer-to-team: 404 "Customer not found" / "Team not found"."""
    await _assign(account_id, phone, Team, team_id, TEAM_NOT_FOUND)
