"""updated_since sees every change to a customer; get-label-customers lists its members."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx

from mumble.bots.service import create_bot
from mumble.team.service import create_agent, create_team
from tests.api import body, delete, get, ok, post
from tests.clock import FrozenClock
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import PHONE, customer_writes

OTHER = "14155550009"
Change = Callable[[], Awaitable[object]]


async def test_every_kind_of_change_moves_updated_at(
    client: httpx.AsyncClient, tenant: Tenant, sandbox: SandboxHandle, clock: FrozenClock
) -> None:
    ok(
        await post(
            client,
            tenant,
            "import-customers",
            customers=[{"customer_phone": PHONE}, {"customer_phone": OTHER}],
        )
    )
    agent = await create_agent(tenant.account.id, "Dana")
    team = await create_team(tenant.account.id, "Support")
    bot = await create_bot(tenant.account.id, "Flow")
    ok(await post(client, tenant, "add-new-label", label_name="VIP"))
    ok(await post(client, tenant, "add-new-label", label_name="Gold"))
    ok(await post(client, tenant, "add-customer-to-label", customer_phone=PHONE, label_name="Gold"))

    def calling(method: str, endpoint: str, **fields: str) -> Change:
        async def change() -> object:
            send = post if method == "POST" else delete
            return ok(await send(client, tenant, endpoint, customer_phone=PHONE, **fields))

        return change

    changes: dict[str, Change] = {
        "fields": calling("POST", "edit-customer", name="Ann"),
        "custom field": calling("POST", "edit-customer", tier="gold"),
        "status": calling("POST", "edit-customer-conv-status", status="open"),
        "agent": calling("POST", "assign-customer-to-agent", agent_id=str(agent.id)),
        "team": calling("POST", "assign-customer-to-team", team_id=str(team.id)),
        "bot": calling("POST", "assign-bot", bot_token=str(bot.id)),
        "label added": calling("POST", "add-customer-to-label", label_name="VIP"),
        "label removed": calling("DELETE", "remove-customer-from-label", label_name="VIP"),
        "label deleted": lambda: delete(client, tenant, "delete-label", label_name="Gold"),
        "inbound message": lambda: customer_writes(sandbox, tenant),
        "consent": calling("POST", "set-consent", marketing="opted_out"),
        "start keyword": lambda: customer_writes(sandbox, tenant, text="START"),
        "import": lambda: post(
            client,
            tenant,
            "import-customers",
            customers=[{"customer_phone": PHONE, "source": "crm"}],
        ),
    }
    for kind, change in changes.items():
        clock.advance(minutes=1)
        since = clock.now().isoformat()
        await change()
        page = ok(await get(client, tenant, "search-customers", updated_since=since))
        assert [c["phone"] for c in page["customers"]] == [PHONE], kind


async def test_get_label_customers(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    phones = [f"141555500{i:02d}" for i in range(5)]
    ok(
        await post(
            client,
            tenant,
            "import-customers",
            customers=[{"customer_phone": phone} for phone in phones],
        )
    )
    ok(await post(client, tenant, "add-new-label", label_name="VIP"))
    for phone in reversed(phones[:3]):
        ok(
            await post(
                client, tenant, "add-customer-to-label", customer_phone=phone, label_name="VIP"
            )
        )
    first = ok(await get(client, tenant, "get-label-customers", label_name="VIP", limit=2))
    assert [c["phone"] for c in first["customers"]] == phones[:2]
    assert all(c["labels"] == ["VIP"] for c in first["customers"])
    rest = ok(
        await get(
            client,
            tenant,
            "get-label-customers",
            label_name="VIP",
            limit=2,
            cursor=first["next_cursor"],
        )
    )
    assert [c["phone"] for c in rest["customers"]] == phones[2:3]
    assert rest["next_cursor"] is None
    for caller, query, status, message in (
        (tenant, {"label_name": "Nope"}, 404, "Label not found"),
        (tenant, {}, 400, "Label name is required."),
        (other_tenant, {"label_name": "VIP"}, 404, "Label not found"),
        (tenant, {"label_name": "VIP", "cursor": "x"}, 400, "Invalid cursor"),
    ):
        response = await get(client, caller, "get-label-customers", **query)
        assert response.status_code == status
        assert body(response)["message"] == message
