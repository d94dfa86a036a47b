"""The campaign runner: sends each running campaign's queued recipients, exactly once.

A pass starts what is due (`progress.start_due`), then takes one batch of every running
campaign in turn (re-reading its status each batch, so pause and cancel stop it within one):
claim -> skip what must never be sent (a MARKETING template to an opted-out customer, values
that do not resolve) in one UPDATE per reason -> send the rest through the template pipeline,
`concurrency` at a time and no faster than the campaign's `max_per_second`. The pipeline marks
the recipient `sent` in the transaction that records its message, before Meta is called: a
process killed at any point after that can never send it again, and one killed before leaves a
`sending` row with no message, queued again once its lease runs out. The pacer's `Paced` puts
the recipient back for `retry_after` (the messaging limit pauses the campaign); Meta's
back-pressure re-queues it with a backoff; other failures fail it with Meta's code.

It runs in every app process and in `mumble worker`; claims keep runners apart. `kick()` (a
campaign created or resumed, heard through `Topic.CAMPAIGNS`) ends the wait between passes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import templates_meta
from mumble.campaigns import claim, outcome, progress
from mumble.campaigns.claim import Claimed
from mumble.campaigns.resolve import UNRESOLVED, Person, Resolved, resolve
from mumble.clock import Clock
from mumble.consent import gate
from mumble.errors import MumbleError
from mumble.messages.flows import Profile, Sender
from mumble.messages.service import ClaimLost
from mumble.models import Campaign, CampaignStatus, Consent, Customer, Message, Template
from mumble.models.states import MessageStatus
from mumble.pacing.errors import Paced, PaceReason
from mumble.templates.flows import NOT_SENDABLE, TemplateSend, send_template
from mumble.wakeup import Wakeup

log = logging.getLogger("mumble.campaigns")

# (account, the send) -> the stored message; the template pipeline in the app.
Send = Callable[[uuid.UUID, TemplateSend], Awaitable[Message]]
POLL_SECONDS = 0.5
BATCH = 200
CONCURRENCY = 16
# A batch's claim outlives its sends by far; a dead runner's batch waits this long (the app
# passes its send lease, MUMBLE_SEND_LEASE_SECONDS).
HOLD = dt.timedelta(minutes=15)
# How often expired claims are looked for (they only exist after a runner died); more often
# when the hold is short.
RELEASE_EVERY = 10.0
OPTED_OUT = "opted_out"
CUSTOMER_DELETED = "customer_deleted"
# A throughput pace this short is waited out in the batch rather than queued again.
THROUGHPUT_WAIT = 1.0
# What resolving a recipient's values and checking consent read of its customer.
_CUSTOMER_FIELDS: tuple[str, ...] = ("id", "phone", "bsuid", "name", "email", "source", "country")
_CUSTOMER_FIELDS += ("attribution", "custom_fields", "marketing_consent")


@dataclass(frozen=True)
class _Active:
    """A running campaign as one batch sends it."""

    id: uuid.UUID
    account_id: uuid.UUID
    template_id: uuid.UUID
    category: str
    values: dict[str, Any]
    max_per_second: float | None


class _Pace:
    """Spaces a campaign's sends by 1/max_per_second (none: as fast as the pipeline goes)."""

    def __init__(self, per_second: float | None) -> None:
        self.per_second = per_second
        self._gap = 1.0 / per_second if per_second and per_second > 0 else 0.0
        self._next = time.monotonic()

    async def wait(self) -> None:
        if not self._gap:
            return
        now = time.monotonic()
        slot = max(now, self._next)
        self._next = slot + self._gap
        if slot > now:
            await asyncio.sleep(slot - now)


def _person(customer: dict[str, Any] | None, recipient: Claimed) -> Person:
    if customer is None:
        return Person(standard={"phone": recipient.phone}, row=recipient.row or {})
    return Person(
        standard={k: customer[k] for k in ("name", "email", "phone", "source", "country")},
        attribution=customer["attribution"] or {},
        custom_fields=customer["custom_fields"] or {},
        row=recipient.row or {},
    )


def batch_size(max_per_second: float | None) -> int:
    """About a second's worth of sends, so pause and cancel take effect within a second."""
    if not max_per_second:
        return BATCH
    return max(1, min(BATCH, math.ceil(max_per_second)))


class CampaignRunner:
    """Sends running campaigns; `run_once` is one pass (tests may drive it directly)."""

    def __init__(
        self,
        send: Send,
        clock: Clock,
        *,
        wakeup: Wakeup | None = None,
        poll_seconds: float = POLL_SECONDS,
        concurrency: int = CONCURRENCY,
        hold: dt.timedelta = HOLD,
    ) -> None:
        self._send = send
        self._clock = clock
        self.wakeup = wakeup or Wakeup()
        self._poll = poll_seconds
        self._concurrency = max(1, concurrency)
        self._hold = hold
        self._released_at: dict[uuid.UUID, float] = {}
        # Per campaign, kept across batches so a batch boundary never bursts.
        self._paces: dict[uuid.UUID, _Pace] = {}

    def kick(self) -> None:
        """Run a pass now (a campaign was created or resumed)."""
        self.wakeup.kick()

    async def run(self) -> None:
        """Pass after pass until cancelled; an idle pass waits for a kick or the poll."""
        while True:
            try:
                worked = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("campaign pass failed")
                worked = 0
            if not worked:
                await self.wakeup.wait(self._poll)

    async def run_once(self) -> int:
        """Start what is due, then one batch of each running campaign; recipients handled."""
        now = self._clock.now()
        await progress.start_due(now)
        running = (
            await Campaign.filter(status=CampaignStatus.RUNNING)
            .order_by("started_at", "id")
            .values("id", "account_id", "template_id", "values", "max_per_second")
        )
        live = {row["id"] for row in running}
        for known in (self._paces, self._released_at):
            for gone in [key for key in known if key not in live]:
                del known[gone]
        handled = 0
        for row in running:
            handled += await self._batch(row)
        return handled

    async def _active(self, row: dict[str, Any]) -> _Active | None:
        """The campaign ready to send, or None once paused because its template cannot be."""
        template = await Template.get_or_none(id=row["template_id"]).only("status", "category")
        now = self._clock.now()
        if template is None:
            await progress.pause(row["id"], "template_deleted", now)
            return None
        if not templates_meta.load().is_sendable(template.status):
            await progress.pause(row["id"], progress.template_reason(str(template.status)), now)
            return None
        return _Active(
            row["id"],
            row["account_id"],
            row["template_id"],
            str(template.category or "").upper(),
            row["values"] or {},
            row["max_per_second"],
        )

    async def _release_expired(self, campaign_id: uuid.UUID) -> None:
        last = self._released_at.get(campaign_id)
        every = min(RELEASE_EVERY, self._hold.total_seconds() / 4)
        if last is not None and time.monotonic() - last < every:
            return
        self._released_at[campaign_id] = time.monotonic()
        released = await claim.release_expired(campaign_id, self._clock.now())
        if released:
            log.warning("campaign %s: %d expired claims queued again", campaign_id, released)

    async def _batch(self, row: dict[str, Any]) -> int:
        campaign = await self._active(row)
        if campaign is None:
            return 0
        await self._release_expired(campaign.id)
        size = batch_size(campaign.max_per_second)
        lease, claimed = await claim.claim(
            campaign.id, self._clock.now(), limit=size, hold=self._hold
        )
        if not claimed:
            await progress.complete_if_done(campaign.id, self._clock.now())
            return 0
        sends = await self._skip_unsendable(campaign, lease, claimed)
        await self._send_all(campaign, lease, sends)
        return len(claimed)

    async def _skip_unsendable(
        self, campaign: _Active, lease: str, claimed: list[Claimed]
    ) -> list[tuple[Claimed, dict[str, Any] | None, Resolved]]:
        """Skip the batch's opted-out (MARKETING) and unresolvable recipients; the rest."""
        ids = [r.customer_id for r in claimed if r.customer_id is not None]
        customers = {
            c["id"]: c for c in await Customer.filter(id__in=ids).values(*_CUSTOMER_FIELDS)
        }
        opted_out: list[int] = []
        unresolved: list[int] = []
        deleted: list[int] = []
        sends = []
        for recipient in claimed:
            customer = customers.get(recipient.customer_id)
            if recipient.customer_id is not None and customer is None:
                # Deleted since the audience was drawn: sending would bring the customer back.
                deleted.append(recipient.id)
                continue
            consent = customer["marketing_consent"] if customer else None
            if campaign.category == gate.MARKETING and consent == Consent.OPTED_OUT:
                opted_out.append(recipient.id)
                continue
            resolved = resolve(campaign.values, _person(customer, recipient))
            if resolved is None:
                unresolved.append(recipient.id)
                continue
            sends.append((recipient, customer, resolved))
        now = self._clock.now()
        await claim.skip(opted_out, lease, OPTED_OUT, now)
        await claim.skip(unresolved, lease, UNRESOLVED, now)
        await claim.skip(deleted, lease, CUSTOMER_DELETED, now)
        return sends

    async def _send_all(
        self,
        campaign: _Active,
        lease: str,
        sends: list[tuple[Claimed, dict[str, Any] | None, Resolved]],
    ) -> None:
        pace = self._paces.get(campaign.id)
        if pace is None or pace.per_second != campaign.max_per_second:
            pace = self._paces[campaign.id] = _Pace(campaign.max_per_second)
        queue = list(reversed(sends))
        stopped = asyncio.Event()

        async def worker() -> None:
            while queue and not stopped.is_set():
                recipient, customer, resolved = queue.pop()
                await pace.wait()
                if stopped.is_set():
                    queue.append((recipient, customer, resolved))
                    return
                if not await self._send_one(campaign, lease, recipient, customer, resolved):
                    stopped.set()

        results = await asyncio.gather(
            *(worker() for _ in range(min(self._concurrency, len(sends)))),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, BaseException):
                # A bug or a lost database: the claim runs out and the recipients are queued
                # again, unless their message was recorded (then they are never sent twice).
                log.error("campaign %s: send failed", campaign.id, exc_info=result)
        if queue:
            # Paused mid-batch: what was not attempted goes back to the queue as it was.
            await claim.give_back([r.id for r, _, _ in queue], lease, self._clock.now())

    async def _send_one(
        self,
        campaign: _Active,
        lease: str,
        recipient: Claimed,
        customer: dict[str, Any] | None,
        resolved: Resolved,
    ) -> bool:
        """Send one recipient and settle its row; False when the campaign must stop."""
        phone = (customer or {}).get("phone") or recipient.phone
        send = TemplateSend(
            phone=phone,
            template_id=str(campaign.template_id),
            variables=resolved.variables,
            button_values=resolved.button_values,
            media_link=resolved.media_link,
            profile=Profile(),
            header_value=resolved.header_value,
            user_id=None if phone else (customer or {}).get("bsuid"),
            campaign_id=campaign.id,
            campaign_recipient_id=recipient.id,
            campaign_lease=lease,
        )
        try:
            await self._send_paced(campaign.account_id, send)
        except Paced as exc:
            now = self._clock.now()
            later = now + dt.timedelta(seconds=exc.retry_after)
            await claim.give_back([recipient.id], lease, now, not_before=later)
            if exc.reason == PaceReason.MESSAGING_LIMIT:
                await progress.pause(campaign.id, progress.MESSAGING_LIMIT, now)
                return False
        except ClaimLost:
            log.warning("campaign %s: recipient %s claim lost", campaign.id, recipient.id)
        except MumbleError as exc:
            return await self._refused(campaign, lease, recipient, customer, exc)
        return True

    async def _send_paced(self, account_id: uuid.UUID, send: TemplateSend) -> Message:
        """The send, waiting here (claim kept) while only the number's throughput holds it back
        for a moment; any other pace goes back to the caller."""
        while True:
            try:
                return await self._send(account_id, send)
            except Paced as exc:
                if exc.reason != PaceReason.THROUGHPUT or exc.retry_after > THROUGHPUT_WAIT:
                    raise
                await asyncio.sleep(exc.retry_after)

    async def _refused(
        self,
        campaign: _Active,
        lease: str,
        recipient: Claimed,
        customer: dict[str, Any] | None,
        exc: MumbleError,
    ) -> bool:
        now = self._clock.now()
        message_id = await claim.sent_message(recipient.id)
        if message_id is None:
            # Refused before anything was recorded: nothing reached Meta.
            if exc.message == gate.OPTED_OUT.message:
                await claim.skip([recipient.id], lease, OPTED_OUT, now)
            elif exc.message.startswith(NOT_SENDABLE.message.split("{", 1)[0]):
                await claim.give_back([recipient.id], lease, now)
                return False
            else:
                await claim.refuse(recipient.id, lease, exc.message, now)
            return True
        found = await Message.filter(id=message_id).values("error_code", "error_message")
        code = found[0]["error_code"] if found else None
        text = found[0]["error_message"] if found else exc.message
        attempts = 1
        if code in outcome.BACK_PRESSURE and customer is not None:
            attempts = await Message.filter(
                campaign_id=campaign.id, customer_id=customer["id"], status=MessageStatus.FAILED
            ).count()
        decision = outcome.after_failure(code, attempts)
        if isinstance(decision, outcome.Pause):
            # The template stopped under the batch: this recipient waits for the resume.
            await claim.retry_later(recipient.id, message_id, now, now, code=code, message=text)
            await progress.pause(campaign.id, decision.reason, now)
            return False
        if isinstance(decision, outcome.Retry):
            later = now + dt.timedelta(seconds=decision.seconds)
            if await claim.retry_later(
                recipient.id, message_id, now, later, code=code, message=text
            ):
                await progress.reopen(campaign.id, now)
        else:
            await claim.failed(
                recipient.id,
                message_id,
                now,
                code=code,
                message=text,
                skip_reason=decision.skip_reason,
            )
        return True


def through_templates(sender: Sender, *, hold_seconds: float) -> CampaignRunner:
    """The runner sending through the template pipeline (consent, pacer and sweep included);
    a dead runner's claims are queued again after `hold_seconds` (the send lease)."""

    async def send(account_id: uuid.UUID, template_send: TemplateSend) -> Message:
        return await send_template(sender, account_id, template_send)

    return CampaignRunner(send, sender.clock, hold=dt.timedelta(seconds=hold_seconds))
