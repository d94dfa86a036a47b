"""delete-custom-field racing a write of the same field (edit-customer, import-customers).

Each round starts with `tier` defined and held by one customer, then sends delete-custom-field
for it and a write setting it at the same moment over real HTTP, the write given a head start
that varies by round so the two land in different orders. The write alternates between the
customer holding the field (whose row the delete also locks) and one that does not. Every
interleaving must end cleanly: both answer 200, no customer holds a value for a name the account
has not defined (the value went with the delete, or the write came after and defined the name
again), and the account never holds more than 15 names. The race only exists on PostgreSQL
(SQLite runs one transaction at a time).
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from mumble.customers.fields import MAX_CUSTOM_FIELDS
from mumble.models import Customer, CustomFieldDefinition
from tests.api import delete, post
from tests.conftest import Tenant
from tests.customers.support import PHONE, add_customer

ROUNDS = 24
OTHER = "15550002222"
# 14 names besides `tier`: every slot is taken while the round runs.
FILLERS = {f"f{i}": "x" for i in range(MAX_CUSTOM_FIELDS - 1)}


async def _write(
    client: httpx.AsyncClient, tenant: Tenant, how: str, phone: str, value: str
) -> httpx.Response:
    if how == "edit":
        return await post(client, tenant, "edit-customer", customer_phone=phone, tier=value)
    rows = [{"customer_phone": phone, "tier": value}]
    return await client.post("/mumbleapi/import-customers", json=rows, headers=tenant.headers)


@pytest.mark.parametrize("how", ["edit", "import"])
async def test_delete_racing_a_write_of_the_field_leaves_no_orphan_value(
    client: httpx.AsyncClient, tenant: Tenant, how: str
) -> None:
    account_id = tenant.account.id
    await add_customer(client, tenant, PHONE, **FILLERS)
    await add_customer(client, tenant, OTHER)
    for round_ in range(ROUNDS):
        seeded = await post(client, tenant, "edit-customer", customer_phone=PHONE, tier="seed")
        assert seeded.status_code == 200, seeded.text
        target = PHONE if round_ % 2 else OTHER
        head_start = (round_ // 2 % 6) * 0.002

        async def write(value: str, phone: str, head_start: float) -> httpx.Response:
            await asyncio.sleep(head_start)
            return await _write(client, tenant, how, phone, value)

        written, removed = await asyncio.gather(
            write(f"v{round_}", target, head_start),
            delete(client, tenant, "delete-custom-field", name="tier"),
        )
        assert written.status_code == 200, written.text
        assert removed.status_code == 200, removed.text
        if how == "import":
            assert written.json()["results"][0]["status"] == "updated", written.text
        names = await CustomFieldDefinition.filter(account_id=account_id).values_list(
            "name", flat=True
        )
        defined = {str(name) for name in names}
        assert len(defined) <= MAX_CUSTOM_FIELDS
        for customer in await Customer.filter(account_id=account_id):
            held = set(customer.custom_fields or {})
            assert held <= defined, (round_, customer.phone, held - defined)
        holder = await Customer.get(account_id=account_id, phone=target)
        if "tier" in defined:
            # The write came after the delete and defined the name again.
            assert (holder.custom_fields or {}).get("tier") == f"v{round_}"
        else:
            assert "tier" not in (holder.custom_fields or {})
