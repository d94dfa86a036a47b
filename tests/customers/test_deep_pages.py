"""Deep pages of get-all-customers hold exactly the rows OFFSET would.

Pages past the middle are read from the end of the list (mumble/paging.py); this pins that
every page, first, middle and last, matches the plain creation-order listing.
"""

from __future__ import annotations

import datetime as dt

import httpx

from mumble.models import Customer
from tests.conftest import Tenant


async def test_every_customer_page_matches_the_creation_order(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    customers = [
        Customer(account_id=tenant.account.id, phone=f"1555{i:07d}", name=f"C{i}")
        for i in range(601)
    ]
    await Customer.bulk_create(customers)
    # Distinct creation times, stored out of order, plus a tie broken by id.
    for i, customer in enumerate(customers):
        moment = start + dt.timedelta(seconds=(i * 7919) % 601)
        await Customer.filter(id=customer.id).update(created_at=moment)
    await Customer.filter(id=customers[1].id).update(created_at=start)
    expected = [
        str(i)
        for i in await Customer.filter(account_id=tenant.account.id)
        .order_by("created_at", "id")
        .values_list("id", flat=True)
    ]
    listed = []
    for page in (1, 2, 3):
        response = await client.get(
            "/mumbleapi/get-all-customers", params={"page": page}, headers=tenant.headers
        )
        assert response.status_code == 200
        body = response.json()
        assert (body["total"], body["pages"], body["current_page"]) == (601, 3, page)
        listed += [c["id"] for c in body["customers"]]
    assert listed == expected
