"""add-bot and delete-bot: flow bots managed through the API."""

from __future__ import annotations

import httpx

from mumble.models import Bot, Event
from tests.access import key_with_permissions
from tests.api import body, delete, get, ok, post
from tests.conftest import Tenant
from tests.customers.support import PHONE, add_customer, get_customer


async def test_add_list_and_refuse_a_duplicate(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    answer = ok(await post(client, tenant, "add-bot", name="Welcome flow"))
    assert answer["message"] == "Bot 'Welcome flow' created successfully"
    bot = answer["bot"]
    assert ok(await get(client, tenant, "get-bots"))["bots"] == [bot]
    taken = await post(client, tenant, "add-bot", name="Welcome flow")
    assert taken.status_code == 409
    assert body(taken) == {"error": True, "message": "Bot already exists"}
    ok(await post(client, other_tenant, "add-bot", name="Welcome flow"))
    for sent in ({}, {"name": ""}, {"name": "x" * 201}, {"name": {"a": 1}}):
        refused = await post(client, tenant, "add-bot", sent)
        assert refused.status_code == 400, sent
    assert await Bot.filter(account_id=tenant.account.id).count() == 1


async def test_delete_takes_its_customers_off_it(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    bot = ok(await post(client, tenant, "add-bot", name="Flow"))["bot"]
    await add_customer(client, tenant)
    ok(await post(client, tenant, "assign-bot", customer_phone=PHONE, bot_token=bot["id"]))
    assert body(await get_customer(client, tenant))["customer"]["bot"] is not None
    theirs = await delete(client, other_tenant, "delete-bot", bot_id=bot["id"])
    assert theirs.status_code == 404
    answer = ok(await delete(client, tenant, "delete-bot", bot_id=bot["id"]))
    assert answer == {
        "success": True,
        "message": "Bot deleted successfully",
        "customers_unassigned": 1,
    }
    assert body(await get_customer(client, tenant))["customer"]["bot"] is None
    event = (
        await Event.filter(account_id=tenant.account.id, type="customer.assigned")
        .order_by("-seq")
        .first()
    )
    assert event is not None
    assert event.data["bot"] is None
    assert event.data["previous_bot"] == {"id": bot["id"], "name": "Flow"}
    page = ok(await get(client, tenant, "search-customers", bot="none"))
    assert [c["phone"] for c in page["customers"]] == [PHONE]
    assert ok(await get(client, tenant, "get-bots"))["bots"] == []
    missing = await delete(client, tenant, "delete-bot")
    assert body(missing) == {"error": True, "message": "Bot ID is required."}
    for unknown in (bot["id"], "nope"):
        gone = await delete(client, tenant, "delete-bot", bot_id=unknown)
        assert gone.status_code == 404
        assert body(gone) == {"error": True, "message": "Bot not found."}


async def test_a_read_only_key_cannot_manage_bots(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    bot = ok(await post(client, tenant, "add-bot", name="Flow"))["bot"]
    reader = await key_with_permissions(tenant.account, "reader", ["bots:read", "bots:assign"])
    assert ok(await get(client, reader, "get-bots"))["bots"] == [bot]
    denied = {"error": True, "message": "User not authorized to manage bots."}
    added = await post(client, reader, "add-bot", name="Other")
    assert added.status_code == 401
    assert body(added) == denied
    deleted = await delete(client, reader, "delete-bot", bot_id=bot["id"])
    assert deleted.status_code == 401
    assert body(deleted) == denied
    assert await Bot.filter(account_id=tenant.account.id).count() == 1
