"""A menu bot end to end: signed inbound webhooks in, the bot's replies at the sandbox."""

from __future__ import annotations

import httpx

from mumble.models import (
    BotTurn,
    Customer,
    CustomerLabel,
    Event,
    FlowSession,
    FlowStep,
    Message,
    Team,
)
from tests.api import get, ok, post
from tests.bots.flows import PHONE, eventually, menu_flow, said_to, until_said
from tests.clock import FrozenClock
from tests.conftest import SandboxHandle, Tenant
from tests.messages.support import customer_writes, sent_to_meta

OTHER = "972509999999"


async def _menu_bot(client: httpx.AsyncClient, tenant: Tenant) -> tuple[str, Team]:
    team = await Team.create(account_id=tenant.account.id, name="Support")
    created = ok(await post(client, tenant, "add-bot", name="Menu", flow=menu_flow(str(team.id))))
    return created["bot"]["id"], team


async def _owned_by_bot(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, bot_id: str, phone: str
) -> None:
    """The customer writes in once (created, no bot), then is assigned to the bot."""
    await customer_writes(sandbox, tenant, phone=phone, text="first contact")
    ok(await post(client, tenant, "assign-bot", customer_phone=phone, bot_token=bot_id))


async def test_menu_button_branch_runs_to_the_end_with_label_field_and_status(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    bot_id, _ = await _menu_bot(client, tenant)
    await _owned_by_bot(client, sandbox, tenant, bot_id, PHONE)
    assert await said_to(sandbox, tenant) == []

    await customer_writes(sandbox, tenant, text="hello")
    assert await until_said(sandbox, tenant, 1) == ["How can we help?"]
    menu = (await sent_to_meta(sandbox, tenant))[0]
    await eventually(lambda: _waiting(PHONE))
    session = await FlowSession.get(customer__phone=PHONE)
    assert (session.state, session.node, session.version) == ("waiting", "wait_menu", 1)

    await customer_writes(
        sandbox, tenant, type="interactive", reply_id="sales", reply_title="Sales"
    )
    assert await until_said(sandbox, tenant, 3) == [
        "How can we help?",
        "Our sales team loves you.",
        "Thanks, bye!",
    ]
    await eventually(lambda: _ended(PHONE))
    customer = await Customer.get(account_id=tenant.account.id, phone=PHONE)
    assert customer.custom_fields == {"interest": "sales"}
    assert customer.conversation_status == "open"
    assert await CustomerLabel.filter(customer_id=customer.id, label__name="lead").exists()
    session = await FlowSession.get(customer_id=customer.id)
    assert (session.state, session.end_reason, session.live) == ("ended", "end", None)
    steps = (
        await FlowStep.filter(session_id=session.id).order_by("step").values_list("node", flat=True)
    )
    assert [str(node) for node in steps] == [
        "menu", "wait_menu", "wait_menu", "route", "sales", "tag", "interest", "status", "bye",
        "done",
    ]  # fmt: skip
    assert (
        await BotTurn.filter(customer_id=customer.id, status="pending", kind="inbound").count() == 0
    )

    # The bot's replies are ordinary outbound messages of the conversation, marked with the bot.
    conversation = ok(await get(client, tenant, "get-conversation", customer_phone=PHONE))
    outbound = [m for m in conversation["messages"] if m["direction"] == "outbound"]
    assert len(outbound) == 3
    assert all(m["bot"] == {"type": "flow", "id": bot_id} for m in outbound)
    inbound = [m for m in conversation["messages"] if m["direction"] == "inbound"]
    assert all(m["bot"] is None for m in inbound)
    assert menu["payload"]["interactive"]["action"]["buttons"][0]["reply"]["id"] == "sales"


async def _ended(phone: str) -> bool:
    return not await FlowSession.filter(customer__phone=phone, live__isnull=False).exists()


async def test_a_wait_times_out_without_an_inbound_and_hands_off_to_the_team(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    bot_id, team = await _menu_bot(client, tenant)
    await _owned_by_bot(client, sandbox, tenant, bot_id, PHONE)
    await customer_writes(sandbox, tenant, text="hello")
    await until_said(sandbox, tenant, 1)
    await eventually(lambda: BotTurn.filter(kind="timeout", status="pending").exists())

    clock.advance(seconds=601)
    assert await until_said(sandbox, tenant, 2) == ["How can we help?", "Still there?"]
    await eventually(lambda: _ended(PHONE))
    customer = await Customer.get(account_id=tenant.account.id, phone=PHONE)
    assert customer.conversation_status == "waiting_for_agent"
    assert customer.team_id == team.id  # type: ignore[attr-defined]
    assert customer.bot_mode == "off"
    event = await Event.get(type="conversation.handed_off")
    assert event.data["reason"] == "timeout"
    assert event.data["from_bot"] == {"type": "flow", "id": bot_id, "name": "Menu"}
    assert event.data["to"]["team"] == {"id": str(team.id), "name": "Support"}

    # Humans own the conversation now: a new message gets no bot reply.
    await customer_writes(sandbox, tenant, text="anyone?")
    assert not await BotTurn.filter(
        customer_id=customer.id, kind="inbound", status="pending"
    ).exists()
    assert await said_to(sandbox, tenant) == ["How can we help?", "Still there?"]

    # assign-bot gives it back to the bot, visibly.
    ok(await post(client, tenant, "assign-bot", customer_phone=PHONE, bot_token=bot_id))
    resumed = await Event.get(type="conversation.bot_resumed")
    assert resumed.data["bot"]["id"] == bot_id


async def test_a_keyword_and_a_regex_branch_and_the_default_loops_back(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    bot_id, _ = await _menu_bot(client, tenant)
    await _owned_by_bot(client, sandbox, tenant, bot_id, PHONE)
    await _owned_by_bot(client, sandbox, tenant, bot_id, OTHER)
    await customer_writes(sandbox, tenant, text="hi")
    await customer_writes(sandbox, tenant, phone=OTHER, text="hi")
    await until_said(sandbox, tenant, 1)
    await until_said(sandbox, tenant, 1, phone=OTHER)
    await eventually(lambda: _waiting(PHONE))
    await eventually(lambda: _waiting(OTHER))

    await customer_writes(sandbox, tenant, text="what?")
    assert await until_said(sandbox, tenant, 2) == ["How can we help?", "Please tap a button."]
    await customer_writes(sandbox, tenant, text="Prices!")
    assert (await until_said(sandbox, tenant, 3))[-1] == "Prices start at 10."
    await customer_writes(sandbox, tenant, phone=OTHER, text="1234")
    assert (await until_said(sandbox, tenant, 2, phone=OTHER))[-1] == "Code received."


async def _waiting(phone: str) -> bool:
    return await FlowSession.filter(customer__phone=phone, state="waiting").exists()


async def test_the_human_keyword_hands_off_and_a_human_send_stops_the_bot(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    bot_id, _ = await _menu_bot(client, tenant)
    await _owned_by_bot(client, sandbox, tenant, bot_id, PHONE)
    await _owned_by_bot(client, sandbox, tenant, bot_id, OTHER)
    await customer_writes(sandbox, tenant, text="hi")
    await until_said(sandbox, tenant, 1)
    await eventually(lambda: _waiting(PHONE))

    await customer_writes(sandbox, tenant, text="Human")
    await eventually(lambda: _ended(PHONE))
    event = await Event.get(type="conversation.handed_off")
    assert (event.data["reason"], event.data["detail"]) == ("keyword", "Human")
    customer = await Customer.get(account_id=tenant.account.id, phone=PHONE)
    assert (customer.conversation_status, customer.bot_mode) == ("waiting_for_agent", "off")

    # An agent answers OTHER through the API: the bot stops for that customer.
    ok(await post(client, tenant, "send-text-message", customer_phone=OTHER, text="Hi, Dana here"))
    other = await Customer.get(account_id=tenant.account.id, phone=OTHER)
    assert other.bot_mode == "off"
    stopped = await Event.filter(type="conversation.handed_off").order_by("-seq").first()
    assert stopped is not None
    assert stopped.data["reason"] == "human_send"
    human = await Message.get(customer_id=other.id, direction="outbound")
    assert human.bot_kind is None


async def test_stop_ends_the_bot_session(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant
) -> None:
    bot_id, _ = await _menu_bot(client, tenant)
    await _owned_by_bot(client, sandbox, tenant, bot_id, PHONE)
    await customer_writes(sandbox, tenant, text="hi")
    await until_said(sandbox, tenant, 1)
    await eventually(lambda: _waiting(PHONE))
    await customer_writes(sandbox, tenant, text="STOP")
    await eventually(lambda: _ended(PHONE))
    session = await FlowSession.get(customer__phone=PHONE)
    assert session.end_reason == "stop_keyword"
    assert await said_to(sandbox, tenant) == ["How can we help?"]


async def test_turn_off_ends_the_session_and_its_timeout_sends_nothing(
    client: httpx.AsyncClient, sandbox: SandboxHandle, tenant: Tenant, clock: FrozenClock
) -> None:
    bot_id, _ = await _menu_bot(client, tenant)
    await _owned_by_bot(client, sandbox, tenant, bot_id, PHONE)
    await customer_writes(sandbox, tenant, text="hi")
    await until_said(sandbox, tenant, 1)
    await eventually(lambda: _waiting(PHONE))
    ok(await post(client, tenant, "assign-bot", customer_phone=PHONE, bot_token="turn_off"))
    session = await FlowSession.get(customer__phone=PHONE)
    assert (session.state, session.end_reason) == ("ended", "turn_off")
    clock.advance(seconds=601)

    async def timeout_done() -> bool:
        return await BotTurn.filter(kind="timeout", status="done").exists()

    await eventually(timeout_done)
    assert await said_to(sandbox, tenant) == ["How can we help?"]
