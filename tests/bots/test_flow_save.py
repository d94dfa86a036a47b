"""add-bot / edit-bot with a flow: every problem in one 400, versions, get-bot's counts."""

from __future__ import annotations

import httpx

from mumble.bots import flow
from mumble.models import Bot, FlowSession, FlowVersion, Team, Template
from tests.api import body, get, ok, post
from tests.bots.flows import PHONE, eventually, menu_flow, until_said
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import customer_writes

BROKEN = {
    "start": "menu",
    "nodes": {
        "menu": {
            "type": "send_buttons",
            "body": "Pick",
            "buttons": [
                {"id": "a", "title": "A"},
                {"id": "b", "title": "B"},
                {"id": "c", "title": "C"},
                {"id": "d", "title": "This title is far too long"},
            ],
            "next": "wait",
        },
        "wait": {"type": "wait", "timeout_seconds": 60, "next": "route"},
        "route": {
            "type": "branch",
            "cases": [{"regex": "(unclosed"}, {"regex": "(a+)+$", "next": "end"}],
            "default": "nowhere",
        },
        "promo": {"type": "send_template", "template_id": "not-approved", "next": "end"},
        "odd": {"type": "teleport"},
        "end": {"type": "end"},
    },
}


async def test_every_problem_of_a_flow_is_listed_in_one_400_and_nothing_is_saved(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await post(client, tenant, "add-bot", name="Broken", flow=BROKEN)
    assert response.status_code == 400
    answer = body(response)
    assert answer["message"] == "The flow is not valid"
    details = answer["details"]
    expected = [
        "nodes.menu: buttons must hold 1 to 3 items",
        "nodes.menu: buttons[3].title must be at most 20 characters",
        "nodes.wait has a timeout but no timeout target (on_timeout)",
        "nodes.route.cases[0] has no target (next)",
        "nodes.route.default names an unknown node 'nowhere'",
        "nodes.route.cases[1].regex nests a quantifier inside a quantified group",
        "nodes.promo.template_id is not an approved template of the account",
        "nodes.odd.type 'teleport' is not a node type",
        "nodes.promo is unreachable from the start node",
        "nodes.odd is unreachable from the start node",
    ]
    for problem in expected:
        assert problem in details, (problem, details)
    assert any(d.startswith("nodes.route.cases[0].regex does not compile") for d in details)
    assert not await Bot.exists(account_id=tenant.account.id)


def test_a_flow_without_a_start_node_and_with_no_nodes_is_refused() -> None:
    assert flow.problems({"nodes": {"a": {"type": "end"}}}, flow.Known()) == [
        "flow has no start node (start)"
    ]
    assert flow.problems({"start": "a", "nodes": {}}, flow.Known()) == [
        "flow.nodes must be a non-empty object of nodes by id"
    ]


def test_regex_branches_match_only_the_first_characters_of_an_answer() -> None:
    node = {"type": "branch", "cases": [{"regex": "yes$", "next": "y"}], "default": "n"}
    assert flow.branch_target(node, {"text": "oh yes"}) == "y"
    assert flow.branch_target(node, {"text": "x" * 2000 + "yes"}) == "n"


async def test_an_approved_template_and_a_known_team_are_accepted(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    template = await Template.create(
        account_id=tenant.account.id,
        name="promo",
        language="en_US",
        category="MARKETING",
        body="Hi",
        status="APPROVED",
    )
    team = await Team.create(account_id=tenant.account.id, name="Sales")
    document = {
        "start": "promo",
        "nodes": {
            "promo": {"type": "send_template", "template_id": str(template.id), "next": "hand"},
            "hand": {"type": "handoff", "team_id": str(team.id)},
        },
    }
    created = ok(await post(client, tenant, "add-bot", name="Promo", flow=document))
    assert created["bot"]["name"] == "Promo"
    shown = ok(await get(client, tenant, "get-bot", bot_id=created["bot"]["id"]))
    assert shown["bot"]["flow"] == document
    assert shown["bot"]["version"] == 1


async def test_a_customer_mid_flow_finishes_on_the_version_they_started(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    team = await Team.create(account_id=tenant.account.id, name="Support")
    first = menu_flow(str(team.id))
    bot_id = ok(await post(client, tenant, "add-bot", name="Menu", flow=first))["bot"]["id"]
    await customer_writes(sandbox, tenant, text="first contact")
    ok(await post(client, tenant, "assign-bot", customer_phone=PHONE, bot_token=bot_id))
    await customer_writes(sandbox, tenant, text="hello")
    await until_said(sandbox, tenant, 1)
    await eventually(lambda: FlowSession.filter(state="waiting").exists())

    shown = ok(await get(client, tenant, "get-bot", bot_id=bot_id))["bot"]
    assert shown["customers_at_nodes"] == {"wait_menu": 1}

    second = menu_flow(str(team.id))
    second["nodes"]["sales"]["text"] = "Version two says hi."
    edited = ok(await post(client, tenant, "edit-bot", bot_id=bot_id, flow=second))
    assert edited["bot"]["version"] == 2
    assert await FlowVersion.filter(bot_id=bot_id).count() == 2
    shown = ok(await get(client, tenant, "get-bot", bot_id=bot_id))["bot"]
    assert (shown["version"], shown["customers_at_nodes"]) == (2, {})
    assert shown["customers_on_older_versions"] == 1

    await customer_writes(
        sandbox, tenant, type="interactive", reply_id="sales", reply_title="Sales"
    )
    said = await until_said(sandbox, tenant, 3)
    assert said[1] == "Our sales team loves you."


async def test_edit_bot_refuses_an_invalid_flow_and_an_unknown_bot(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    bot_id = ok(await post(client, tenant, "add-bot", name="Plain"))["bot"]["id"]
    response = await post(client, tenant, "edit-bot", bot_id=bot_id, flow=BROKEN)
    assert response.status_code == 400
    assert len(body(response)["details"]) >= 10
    assert (await Bot.get(id=bot_id)).flow_version is None
    missing = await post(
        client, tenant, "edit-bot", bot_id="00000000-0000-0000-0000-000000000000", name="X"
    )
    assert missing.status_code == 404
    renamed = ok(await post(client, tenant, "edit-bot", bot_id=bot_id, name="Renamed"))
    assert renamed["bot"] == {"id": bot_id, "name": "Renamed", "version": None}


async def test_another_accounts_key_can_neither_read_nor_edit_the_flow(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    team = await Team.create(account_id=tenant.account.id, name="Support")
    bot_id = ok(await post(client, tenant, "add-bot", name="Menu", flow=menu_flow(str(team.id))))[
        "bot"
    ]["id"]
    edited = menu_flow(str(team.id))
    edited["nodes"]["sales"]["text"] = "Not yours."

    shown = await get(client, other_tenant, "get-bot", bot_id=bot_id)
    changed = await post(client, other_tenant, "edit-bot", bot_id=bot_id, flow=edited)

    assert (shown.status_code, body(shown)["message"]) == (404, "Bot not found.")
    assert (changed.status_code, body(changed)["message"]) == (404, "Bot not found.")
    assert await FlowVersion.filter(bot_id=bot_id).count() == 1
