"""delete-agent / delete-team / delete-bot racing an assignment to the same agent, team or bot.

Each round creates an agent (team, bot), then sends the delete and the assignment for it
at the same moment over real HTTP, the assignment given a head start that varies by round so the
two land in different orders. Every interleaving must end cleanly: either the assignment wins and
the delete then takes the customer off (with its event), or the assignment answers the same 404
as for an unknown agent. Never a 500, never a customer pointing at a deleted row. The race only
exists on PostgreSQL (SQLite runs one transaction at a time); there the old code answered 500
with a foreign-key violation.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from mumble.models import Agent, Bot, Customer, Event, Team
from tests.api import delete, post
from tests.conftest import Tenant
from tests.customers.support import PHONE, add_customer

ROUNDS = 30

# kind -> (model, assigning endpoint, its parameter naming the row, deleting endpoint, 404)
KINDS: dict[str, tuple[type[Agent] | type[Team] | type[Bot], str, str, str, str]] = {
    "agent": (Agent, "assign-customer-to-agent", "agent_id", "delete-agent", "Agent not found"),
    "team": (Team, "assign-customer-to-team", "team_id", "delete-team", "Team not found"),
    "bot": (Bot, "assign-bot", "bot_token", "delete-bot", "Bot not found."),
    # edit-customer's bot_token assigns the bot as assign-bot does.
    "bot_by_edit": (Bot, "edit-customer", "bot_token", "delete-bot", "Bot not found."),
}


@pytest.mark.parametrize("kind", list(KINDS))
async def test_delete_racing_an_assignment_never_fails_or_leaves_a_dangling_reference(
    client: httpx.AsyncClient, tenant: Tenant, kind: str
) -> None:
    model, assign_path, param, delete_path, missing = KINDS[kind]
    await add_customer(client, tenant)
    kind = kind.removesuffix("_by_edit")
    column = f"{kind}_id"
    for round_ in range(ROUNDS):
        row = await model.create(account_id=tenant.account.id, name=f"{kind} {round_}")

        async def assign(head_start: float, row_id: str = str(row.id)) -> httpx.Response:
            await asyncio.sleep(head_start)
            return await post(client, tenant, assign_path, customer_phone=PHONE, **{param: row_id})

        async def remove(row_id: str = str(row.id)) -> httpx.Response:
            return await delete(client, tenant, delete_path, **{column: row_id})

        head_start = (round_ % 6) * 0.002
        assigned, removed = await asyncio.gather(assign(head_start), remove())
        assert assigned.status_code in (200, 404), assigned.text
        assert removed.status_code == 200, removed.text
        customer = await Customer.get(account_id=tenant.account.id, phone=PHONE)
        assert getattr(customer, column) is None
        assert not await model.filter(id=row.id).exists()
        released = removed.json()["customers_unassigned"]
        if assigned.status_code == 404:
            assert assigned.json() == {"error": True, "message": missing}
            assert released == 0
        else:
            assert released == 1
            last = (
                await Event.filter(account_id=tenant.account.id, type="customer.assigned")
                .order_by("-seq")
                .first()
            )
            assert last is not None
            assert last.data[kind] is None
            assert last.data[f"previous_{kind}"] == {"id": str(row.id), "name": row.name}
