"""The flow bot runtime: one turn advances a customer's session until its next wait or end.

Every move of a session is one transaction that records the step (`FlowStep`, unique per
session and step number) and moves the session on, conditional on the step it was at and on the
session still being live. A node's effect commits in that same transaction: a label, a field, a
status, a hand-off; for a send, the step is recorded inside the transaction that records the
message `accepted` (`OnBehalf.record`), before Meta is called. So after any crash, kill -9
included, a step is either fully recorded with its message on record (the send sweep settles a
message whose process died before Meta answered, never sending it again) or not at all, and the
turn re-run by the next claimer continues from the step the session is at: nothing is sent
twice and no step is lost. A `Paced` send writes nothing, so the turn is simply retried later.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mumble.bots import flow as flows
from mumble.bots import sending, sessions
from mumble.bots.handoff import hand_off
from mumble.bots.turns import Claimed, add_timeout
from mumble.clock import Clock
from mumble.customers.changes import apply_change, touch
from mumble.customers.custom_fields import register_custom_fields
from mumble.customers.window import is_window_open
from mumble.errors import MumbleError
from mumble.events.outbox import record_event
from mumble.messages.flows import Sender
from mumble.messages.service import OnBehalf
from mumble.models import (
    Account,
    Bot,
    Customer,
    CustomerLabel,
    FlowSession,
    FlowStep,
    FlowVersion,
    Label,
    Message,
    SessionState,
    TurnKind,
)
from mumble.pacing.errors import Paced

log = logging.getLogger("mumble.bots")

# Steps one turn may execute before it yields: a flow looping without a wait stops here.
STEPS_PER_TURN = 50


class _Moved(Exception):
    """The session is no longer at the step this run read: another run moved or ended it."""


async def _move(
    session: FlowSession,
    node_id: str,
    target: str | None,
    now: dt.datetime,
    *,
    message_id: int | None = None,
    **changes: Any,
) -> None:
    """Record the step and move the session to `target` (inside the caller's transaction)."""
    step = session.step
    try:
        async with in_transaction():
            await FlowStep.create(
                session_id=session.id,
                step=step,
                node=node_id,
                message_id=message_id,
                created_at=now,
            )
    except IntegrityError:
        raise _Moved() from None
    values = {"step": step + 1, "updated_at": now, **changes}
    if target is not None:
        values["node"] = target
    moved = await FlowSession.filter(id=session.id, step=step, live__isnull=False).update(**values)
    if not moved:
        raise _Moved()
    for name, value in values.items():
        setattr(session, name, value)


class FlowHandler:
    """Runs a flow bot's turn: `await handler(turn, customer)` gives the turn's outcome."""

    def __init__(self, sender: Sender, clock: Clock) -> None:
        self._sender = sender
        self._clock = clock

    async def __call__(self, turn: Claimed, customer: Customer) -> str:
        try:
            return await self._turn(turn, customer)
        except _Moved:
            return "moved_elsewhere"

    async def _turn(self, turn: Claimed, customer: Customer) -> str:
        now = self._clock.now()
        session = await FlowSession.get_or_none(live=customer.id)
        bot_id = customer.bot_id  # type: ignore[attr-defined]
        if turn.kind == TurnKind.TIMEOUT:
            if (
                session is None
                or session.id != turn.session_id
                or session.state != SessionState.WAITING
                or session.step != turn.wait_step
            ):
                return "stale_timeout"
            nodes = await self._nodes(session)
            async with in_transaction():
                await _move(
                    session,
                    session.node,
                    nodes[session.node]["on_timeout"],
                    now,
                    state=SessionState.RUNNING,
                    reply={"timeout": True},
                    waiting_since=None,
                    timeout_at=None,
                )
            return await self._run(session, nodes, customer, reason="timeout")
        if session is not None and session.bot_id != bot_id:  # type: ignore[attr-defined]
            await sessions.end_live(customer.id, "reassigned", now)
            session = None
        if session is None:
            session = await self._start(turn, customer, now)
            if session is None:
                return "no_flow"
        elif session.state == SessionState.WAITING and session.last_turn_id != turn.id:
            message = await Message.get(id=turn.message_id)
            nodes = await self._nodes(session)
            wait = nodes[session.node]
            async with in_transaction():
                await _move(
                    session,
                    session.node,
                    wait["next"],
                    now,
                    state=SessionState.RUNNING,
                    reply={"text": message.text, "choice_id": message.choice_id},
                    last_turn_id=turn.id,
                    waiting_since=None,
                    timeout_at=None,
                )
        return await self._run(session, await self._nodes(session), customer)

    async def _start(
        self, turn: Claimed, customer: Customer, now: dt.datetime
    ) -> FlowSession | None:
        """A new session on the bot's current version, its first reply this turn's message."""
        bot = await Bot.get_or_none(id=customer.bot_id)  # type: ignore[attr-defined]
        if bot is None or bot.flow_version is None:
            return None
        version = await FlowVersion.get(bot_id=bot.id, version=bot.flow_version)
        message = await Message.get_or_none(id=turn.message_id) if turn.message_id else None
        try:
            async with in_transaction():
                return await FlowSession.create(
                    account_id=turn.account_id,
                    customer_id=customer.id,
                    bot_id=bot.id,
                    version=version.version,
                    live=customer.id,
                    node=version.flow["start"],
                    reply={"text": message.text, "choice_id": message.choice_id} if message else {},
                    last_turn_id=turn.id,
                    created_at=now,
                    updated_at=now,
                )
        except IntegrityError:
            raise _Moved() from None

    async def _nodes(self, session: FlowSession) -> dict[str, Any]:
        version = await FlowVersion.get(
            bot_id=session.bot_id,  # type: ignore[attr-defined]
            version=session.version,
        )
        nodes: dict[str, Any] = version.flow["nodes"]
        return nodes

    async def _run(
        self,
        session: FlowSession,
        nodes: dict[str, Any],
        customer: Customer,
        *,
        reason: str = "inbound",
    ) -> str:
        """Execute nodes from the session's current one until a wait, an end or the step cap."""
        account = await Account.get(id=session.account_id)  # type: ignore[attr-defined]
        for _ in range(STEPS_PER_TURN):
            if session.state == SessionState.WAITING:
                return "waiting"
            if session.state != SessionState.RUNNING or session.live is None:
                return "ended"
            node_id = session.node
            node = nodes[node_id]
            kind = node["type"]
            now = self._clock.now()
            if kind == "wait":
                await self._wait(session, node, now)
                return "waiting"
            if kind == "end":
                async with in_transaction():
                    await _move(
                        session,
                        node_id,
                        None,
                        now,
                        live=None,
                        state=SessionState.ENDED,
                        end_reason="end",
                        ended_at=now,
                    )
                return "ended"
            if kind == "handoff":
                async with in_transaction():
                    await _move(session, node_id, None, now)
                    await hand_off(
                        account.id,
                        customer.id,
                        reason="timeout" if reason == "timeout" else "node",
                        team_id=_uuid(node.get("team_id")),
                        agent_id=_uuid(node.get("agent_id")),
                        now=now,
                        detail=node_id,
                    )
                return "handed_off"
            if kind == "branch":
                async with in_transaction():
                    await _move(session, node_id, flows.branch_target(node, session.reply), now)
            elif kind in flows.SENDS:
                fresh = await Customer.get(id=customer.id)
                if not is_window_open(fresh.last_inbound_at, now):
                    await sessions.end_live(customer.id, "window_closed", now)
                    return "window_closed"
                await self._send(session, node_id, node, account, fresh)
            else:
                async with in_transaction():
                    await self._change(session, node, account.id, customer.id, now)
                    await _move(session, node_id, node["next"], now)
        return "step_cap"

    async def _wait(self, session: FlowSession, node: dict[str, Any], now: dt.datetime) -> None:
        timeout = node.get("timeout_seconds")
        due = now + dt.timedelta(seconds=timeout) if timeout else None
        async with in_transaction():
            await _move(
                session,
                session.node,
                None,
                now,
                state=SessionState.WAITING,
                waiting_since=now,
                timeout_at=due,
            )
            if due is not None:
                await add_timeout(
                    session.account_id,  # type: ignore[attr-defined]
                    session.customer_id,  # type: ignore[attr-defined]
                    session.id,
                    session.step,
                    due,
                    now,
                )

    async def _send(
        self,
        session: FlowSession,
        node_id: str,
        node: dict[str, Any],
        account: Account,
        customer: Customer,
    ) -> None:
        """Send the node's message; its step is recorded with the message accepted."""
        step = session.step

        async def record(message: Message) -> None:
            await _move(session, node_id, node["next"], self._clock.now(), message_id=message.id)

        behalf = OnBehalf("flow", session.bot_id, record)  # type: ignore[attr-defined]
        kind = node["type"]
        try:
            if kind == "send_text":
                await sending.send_text(self._sender, account, customer, node["text"], behalf)
            elif kind == "send_media":
                await sending.send_media(self._sender, account, customer, node, behalf)
            elif kind == "send_template":
                await sending.send_approved_template(self._sender, account, customer, node, behalf)
            else:
                await sending.send_interactive(self._sender, account, customer, node, behalf)
        except Paced:
            raise
        except MumbleError as exc:
            log.info("bot %s node %s: send refused (%s)", session.bot_id, node_id, exc.status)  # type: ignore[attr-defined]
            if session.step == step:
                # Refused before anything was recorded (a template no longer approved, consent):
                # the step is recorded without a message and the flow goes on.
                async with in_transaction():
                    await _move(session, node_id, node["next"], self._clock.now())

    async def _change(
        self,
        session: FlowSession,
        node: dict[str, Any],
        account_id: uuid.UUID,
        customer_id: uuid.UUID,
        now: dt.datetime,
    ) -> None:
        """A set_label / set_field / set_status node's change, with its customer event."""
        customer = await Customer.filter(id=customer_id).select_for_update(no_key=True).first()
        if customer is None:
            raise _Moved()
        kind = node["type"]
        if kind == "set_status":
            previous = customer.conversation_status
            await apply_change(
                customer,
                {"conversation_status": node["status"]},
                now,
                event="customer.conversation_status_changed",
                data=lambda view, _: {
                    "customer": view,
                    "previous_status": previous,
                    "status": node["status"],
                },
            )
        elif kind == "set_field":
            await register_custom_fields(account_id, [node["field"]])
            fields = {**customer.custom_fields, node["field"]: node["value"]}
            await apply_change(customer, {"custom_fields": fields}, now)
        elif kind == "set_label":
            label, _ = await Label.get_or_create(account_id=account_id, name=node["label"])
            if not await CustomerLabel.exists(customer_id=customer.id, label_id=label.id):
                await CustomerLabel.create(customer_id=customer.id, label_id=label.id)
                await touch([customer.id], now)
                await record_event(
                    account_id,
                    "customer.label_added",
                    {
                        "customer": await sessions.customer_view_of(customer),
                        "label": {"id": str(label.id), "name": label.name},
                    },
                    now=now,
                    customer_id=customer.id,
                )


def _uuid(raw: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw)) if raw else None
    except ValueError:
        return None
