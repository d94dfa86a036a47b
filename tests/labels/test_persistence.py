"""Labels and their links survive an app restart on the same database."""

from __future__ import annotations

import httpx

from mumble.accounts import service as accounts
from mumble.app import create_app
from mumble.models import Customer
from mumble.settings import Settings
from tests import database
from tests.clock import FrozenClock
from tests.live import serve


async def test_labels_and_links_survive_a_restart(
    settings: Settings, databases: database.TestDatabases
) -> None:
    async with serve(create_app(settings, clock=FrozenClock())) as url:
        if databases.postgres:
            await database.truncate_all()
        account = await accounts.create_account("Acme")
        _, key = await accounts.create_key(account.id)
        await Customer.create(account_id=account.id, phone="972501234567")
        headers = {"Mumble-Api-Key": key}
        async with httpx.AsyncClient(base_url=url, headers=headers) as client:
            assert (
                await client.post("/mumbleapi/add-new-label", json={"label_name": "VIP"})
            ).is_success
            added = await client.post(
                "/mumbleapi/add-customer-to-label",
                json={"customer_phone": "972501234567", "label_name": "VIP"},
            )
            assert added.status_code == 200

    async with (
        serve(create_app(settings, clock=FrozenClock())) as url,
        httpx.AsyncClient(base_url=url, headers=headers) as client,
    ):
        labels = await client.get("/mumbleapi/get-labels")
        assert [label["name"] for label in labels.json()["labels"]] == ["VIP"]
        again = await client.post(
            "/mumbleapi/add-customer-to-label",
            json={"customer_phone": "972501234567", "label_name": "VIP"},
        )
        assert again.status_code == 200
        removed = await client.request(
            "DELETE",
            "/mumbleapi/remove-customer-from-label",
            json={"customer_phone": "972501234567", "label_name": "VIP"},
        )
        assert removed.status_code == 200
