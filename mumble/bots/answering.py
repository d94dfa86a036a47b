"""A bot that answers each message with one reply or a hand-off (the AI bot), as a turn handler.

`AnswerHandler(answer, sender, clock)` runs an inbound turn: inside the 24-hour window it asks
`answer(account_id, customer_id, now)` and either sends the reply's `text` as the bot, or hands
the conversation off with the answer's `reason` (`ai_decision`, `ai_failure`) and `detail`. The
reply is sent once: the turn is marked done in the transaction that records the reply accepted,
so a worker killed after that never asks again, and one killed before it sent nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from mumble.bots import sending
from mumble.bots.handoff import hand_off
from mumble.bots.turns import Claimed
from mumble.clock import Clock
from mumble.customers.window import is_window_open
from mumble.errors import MumbleError
from mumble.messages.flows import Sender
from mumble.messages.service import OnBehalf
from mumble.models import Account, BotTurn, Customer, Message, TurnKind, TurnStatus
from mumble.pacing.errors import Paced

# (account id, customer id, now) -> an answer with `text` (a reply) or `reason` (a hand-off).
Answer = Callable[[uuid.UUID, uuid.UUID, dt.datetime], Awaitable[Any]]


class _Answered(Exception):
    """The turn was taken over (or answered) by another worker meanwhile."""


class AnswerHandler:
    """The turn handler of an answering bot (see the module docstring)."""

    def __init__(self, answer: Answer, sender: Sender, clock: Clock, *, kind: str = "AI") -> None:
        self._answer = answer
        self._sender = sender
        self._clock = clock
        self._kind = kind

    async def __call__(self, turn: Claimed, customer: Customer) -> str:
        if turn.kind != TurnKind.INBOUND:
            return "ignored"
        now = self._clock.now()
        if not is_window_open(customer.last_inbound_at, now):
            return "window_closed"
        result = await self._answer(turn.account_id, customer.id, now)
        reason = getattr(result, "reason", None)
        if reason is not None:
            detail = getattr(result, "detail", None)
            await hand_off(turn.account_id, customer.id, reason=reason, now=now, detail=detail)
            return "handed_off"

        async def record(message: Message) -> None:
            done = await BotTurn.filter(
                id=turn.id, lease=turn.lease, status=TurnStatus.CLAIMED
            ).update(status=TurnStatus.DONE, outcome="answered", lease=None, updated_at=now)
            if not done:
                raise _Answered()

        account = await Account.get(id=turn.account_id)
        behalf = OnBehalf(self._kind, None, record)
        try:
            await sending.send_text(self._sender, account, customer, str(result.text), behalf)
        except _Answered:
            return "answered_elsewhere"
        except Paced:
            raise
        except MumbleError:
            # Meta refused the reply: it is on record as failed, and the turn is done.
            return "reply_failed"
        return "answered"
