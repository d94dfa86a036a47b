"""The account's bot rules: a human's send may keep the bot running; its own hand-off words."""

from __future__ import annotations

import httpx

from mumble.models import Customer, Event, Team
from tests.api import body, get, ok, post
from tests.bots.flows import PHONE, eventually, menu_flow, until_said
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import customer_writes


async def test_settings_default_to_stop_and_the_agent_and_human_words(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    assert ok(await get(client, tenant, "get-bot-settings"))["settings"] == {
        "human_send": "stop",
        "handoff_keywords": ["agent", "human"],
        "handoff_team_id": None,
        "handoff_agent_id": None,
    }
    bad = await post(client, tenant, "edit-bot-settings", human_send="maybe")
    assert (bad.status_code, body(bad)["message"]) == (400, "human_send must be stop or keep")
    missing = await post(client, tenant, "edit-bot-settings", handoff_team_id="nope")
    assert missing.status_code == 404


async def test_keep_lets_the_bot_run_after_a_human_send_and_own_words_hand_off_to_the_default(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    team = await Team.create(account_id=tenant.account.id, name="Care")
    changed = ok(
        await post(
            client,
            tenant,
            "edit-bot-settings",
            human_send="keep",
            handoff_keywords=["operator"],
            handoff_team_id=str(team.id),
        )
    )["settings"]
    assert changed["handoff_team_id"] == str(team.id)
    flow = menu_flow(str(team.id))
    bot_id = ok(await post(client, tenant, "add-bot", name="Menu", flow=flow))["bot"]["id"]
    await customer_writes(sandbox, tenant, text="first contact")
    ok(await post(client, tenant, "assign-bot", customer_phone=PHONE, bot_token=bot_id))
    await customer_writes(sandbox, tenant, text="hi")
    await until_said(sandbox, tenant, 1)

    ok(await post(client, tenant, "send-text-message", customer_phone=PHONE, text="Agent here"))
    customer = await Customer.get(account_id=tenant.account.id, phone=PHONE)
    assert customer.bot_mode == "bot"

    await customer_writes(sandbox, tenant, text="Operator")

    async def handed() -> bool:
        return await Event.filter(type="conversation.handed_off").exists()

    await eventually(handed)
    customer = await Customer.get(id=customer.id)
    assert customer.team_id == team.id  # type: ignore[attr-defined]
    assert customer.conversation_status == "waiting_for_agent"
