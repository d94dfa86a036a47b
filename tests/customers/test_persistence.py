"""Customers survive a restart: a new app on the same database reads them back."""

from __future__ import annotations

import httpx

from mumble.accounts import service as accounts
from mumble.app import create_app
from mumble.settings import Settings
from mumble.team.service import create_agent
from tests import database
from tests.clock import FrozenClock
from tests.customers.support import PHONE
from tests.live import serve


async def test_customer_survives_an_app_restart(
    settings: Settings, databases: database.TestDatabases
) -> None:
    async with serve(create_app(settings, clock=FrozenClock())) as url:
        if databases.postgres:
            await database.truncate_all()
        account = await accounts.create_account("Durable")
        _, key = await accounts.create_key(account.id)
        agent = await create_agent(account.id, "Ann")
        headers = {"Mumble-Api-Key": key}
        async with httpx.AsyncClient(base_url=url) as http:
            added = await http.post(
                "/mumbleapi/add-new-customer",
                json={"customer_phone": PHONE, "name": "דנה", "utm_source": "fb", "tier": 2},
                headers=headers,
            )
            assert added.status_code == 200, added.text
            await http.post(
                "/mumbleapi/assign-customer-to-agent",
                json={"customer_phone": PHONE, "agent_id": str(agent.id)},
                headers=headers,
            )
            await http.post(
                "/mumbleapi/edit-customer-conv-status",
                json={"customer_phone": PHONE, "status": "escalated"},
                headers=headers,
            )
            before = (
                await http.get(
                    "/mumbleapi/get-customer", params={"customer_phone": PHONE}, headers=headers
                )
            ).json()["customer"]

    # The first app is stopped (its database closed); a new app opens the same URL.
    async with (
        serve(create_app(settings, clock=FrozenClock())) as url,
        httpx.AsyncClient(base_url=url) as http,
    ):
        after = await http.get(
            "/mumbleapi/get-customer", params={"customer_phone": PHONE}, headers=headers
        )
        assert after.status_code == 200
        assert after.json()["customer"] == before
        assert before["name"] == "דנה"
        assert before["conversation_status"] == "escalated"
        assert before["agent"] == {"id": str(agent.id), "name": "Ann"}
        assert before["attribution"] == {"utm_source": "fb"}
        assert before["custom_fields"] == {"tier": 2}
