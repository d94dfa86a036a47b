"""The bot worker: claims turns and hands each to the handler of the customer's bot mode.

Exactly one owner answers each inbound message. Before any handler, the rules every bot kind
shares run here: the customer's STOP keyword ends the bot, a hand-off keyword ("agent", "human"
or the account's own) hands the conversation to the humans, and a customer no bot owns any more
gets nothing. Then `handlers[customer.bot_mode]` runs the turn: `BotMode.FLOW` is the flow
runtime; another mode plugs in by adding its handler to the mapping (`bot_handlers` in
`mumble.app`). A handler is `async (turn, customer) -> outcome`; it raises `Paced` when a send
must wait (the turn is retried then), anything else unexpected is retried a few times with
backoff and then given up with its outcome recorded.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping

from mumble.bots import flow, ownership
from mumble.bots.handoff import hand_off
from mumble.bots.turns import LEASE, Claimed, claim, finish, retry_at
from mumble.clock import Clock
from mumble.models import Account, Customer, Message, TurnKind
from mumble.models.states import BotMode
from mumble.pacing.errors import Paced
from mumble.wakeup import Wakeup

log = logging.getLogger("mumble.bots")

Handler = Callable[[Claimed, Customer], Awaitable[str]]
POLL_SECONDS = 0.5
BATCH = 20
ATTEMPTS_MAX = 5


class BotWorker:
    """Runs due turns; `run_once` is one pass (tests drive it directly)."""

    def __init__(
        self,
        handlers: Mapping[BotMode, Handler],
        clock: Clock,
        *,
        poll_seconds: float = POLL_SECONDS,
        lease: dt.timedelta = LEASE,
        wakeup: Wakeup | None = None,
    ) -> None:
        self._handlers = dict(handlers)
        self._clock = clock
        self._poll = poll_seconds
        self._lease = lease
        self._wakeup = wakeup

    async def run_once(self) -> int:
        """Claim and run what is due now; returns how many turns were run."""
        claimed = await claim(self._clock.now(), limit=BATCH, lease=self._lease)
        for turn in claimed:
            await self._run(turn)
        return len(claimed)

    async def run(self) -> None:
        """Pass after pass until cancelled; an unexpected error is logged, never fatal."""
        while True:
            try:
                if await self.run_once():
                    continue
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("bot pass failed")
            if self._wakeup is not None:
                await self._wakeup.wait(self._poll)
            else:
                await asyncio.sleep(self._poll)

    async def _run(self, turn: Claimed) -> None:
        now = self._clock.now()
        try:
            outcome = await self._dispatch(turn)
        except Paced as paced:
            await retry_at(turn, now + dt.timedelta(seconds=paced.retry_after), "paced", now)
            return
        except Exception:
            log.exception("bot turn %s failed (attempt %s)", turn.id, turn.attempts)
            if turn.attempts >= ATTEMPTS_MAX:
                await finish(turn, "failed", self._clock.now())
            else:
                backoff = dt.timedelta(seconds=2**turn.attempts)
                await retry_at(turn, self._clock.now() + backoff, "error", self._clock.now())
            return
        await finish(turn, outcome, self._clock.now())

    async def _dispatch(self, turn: Claimed) -> str:
        customer = await Customer.get_or_none(id=turn.customer_id)
        if customer is None:
            return "no_customer"
        if customer.bot_mode not in ownership.BOT_OWNED:
            return "not_bot_owned"
        now = self._clock.now()
        if turn.kind == TurnKind.INBOUND:
            message = await Message.get_or_none(id=turn.message_id)
            if message is None:
                return "no_message"
            account = await Account.get(id=turn.account_id)
            if ownership.is_stop(account, message.text, now):
                await ownership.stop_bot(account.id, customer.id, "stop_keyword", now)
                return "stopped"
            settings = await ownership.settings_of(account.id)
            if flow.counts_as_keyword(message.text, ownership.handoff_keywords(settings)):
                await hand_off(
                    account.id, customer.id, reason="keyword", now=now, detail=message.text
                )
                return "handed_off"
        elif customer.bot_mode != BotMode.FLOW:
            return "stale_timeout"
        handler = self._handlers.get(BotMode(customer.bot_mode))
        if handler is None:
            return f"no_handler_{customer.bot_mode}"
        return await handler(turn, customer)
