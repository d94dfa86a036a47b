"""Handling a verified webhook POST from Meta: inbound messages, statuses, template updates.

Each entry/change/message/status is handled on its own: a malformed item is logged and skipped,
the rest of the batch still goes in. Everything is idempotent (messages dedupe on their wamid,
statuses only move up), so Meta's retries and duplicates are harmless. Media is not fetched here:
the message is stored with its media id and the media worker downloads the file afterwards.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from mumble.bots import turns as bot_turns
from mumble.campaigns import progress as campaigns
from mumble.clock import Clock
from mumble.consent import sources as consent
from mumble.customers.tombstones import is_buried
from mumble.db.batches import Coalescer
from mumble.db.prepared import Prepared, text_marker
from mumble.events.outbox import record_event
from mumble.inbound import identity
from mumble.inbound.content import Content, meta_time, parse_content
from mumble.inbound.fitting import Repairs, matchable
from mumble.messages.status_sets import StatusItem
from mumble.messages.statuses import StatusUpdate, apply_status, normalise_status
from mumble.messages.views import event_data
from mumble.models import Account, Customer, Message, Template
from mumble.models.states import Direction, MediaState, MessageStatus
from mumble.observability import metrics
from mumble.pacing import channel as pace_channel
from mumble.pacing.pacer import Pacer
from mumble.templates.inbound import apply_template_update

log = logging.getLogger("mumble.inbound")

TEMPLATE_FIELDS = frozenset(
    {
        "message_template_status_update",
        "message_template_quality_update",
        "template_category_update",
    }
)
PACE_FIELDS = {
    "phone_number_quality_update": pace_channel.on_quality_update,
    "business_capability_update": pace_channel.on_capability_update,
}
# Malformed webhook items raise these while being read; anything else is a real failure.
MALFORMED = (KeyError, TypeError, ValueError, AttributeError)


@dataclass(frozen=True)
class _Context:
    """What handling one webhook body needs besides the body."""

    clock: Clock
    base_url: str
    # Told of Meta's back-pressure codes that arrive as failed statuses (131049 mostly).
    pacer: Pacer | None = None
    # Where statuses are applied as sets (PostgreSQL); None: one by one, the general path.
    statuses: Coalescer[StatusItem, bool] | None = None


# Every webhook POST starts here: its SQL is built once (see mumble.db.prepared).
_ACCOUNT_BY_NUMBER = Prepared(
    Account,
    lambda number: Account.filter(phone_number_id=number).first(),
    text_marker(),
)


class _Accounts:
    """Per-request cache of phone_number_id -> Account (a batch names the same number often)."""

    def __init__(self) -> None:
        self._by_number: dict[str, Account | None] = {}

    async def by_number(self, phone_number_id: str) -> Account | None:
        if not matchable(Account, "phone_number_id", phone_number_id):
            return None
        if phone_number_id not in self._by_number:
            self._by_number[phone_number_id] = await _ACCOUNT_BY_NUMBER.first(phone_number_id)
        return self._by_number[phone_number_id]


async def handle_payload(
    body: Any,
    *,
    clock: Clock,
    base_url: str,
    pacer: Pacer | None = None,
    statuses: Coalescer[StatusItem, bool] | None = None,
) -> int:
    """Process one webhook body; returns how many media files await download.

    `base_url` prefixes the media URLs of the events recorded (empty: relative URLs). With
    `statuses`, a change's statuses are applied as one set with those of concurrent POSTs
    (mumble.messages.status_sets), and this returns once that set is committed.
    """
    context = _Context(clock, base_url, pacer, statuses)
    if not isinstance(body, dict) or not isinstance(body.get("entry"), list):
        log.warning("webhook without entries ignored")
        return 0
    accounts = _Accounts()
    media = 0
    for entry in body["entry"]:
        changes = entry.get("changes") if isinstance(entry, dict) else None
        for change in changes if isinstance(changes, list) else []:
            try:
                media += await _handle_change(context, accounts, entry, change)
            except MALFORMED as exc:
                log.warning("malformed webhook change skipped: %s", type(exc).__name__)
                metrics.count_inbound_repair("malformed", "change")
    return media


async def _handle_change(
    context: _Context, accounts: _Accounts, entry: dict[str, Any], change: dict[str, Any]
) -> int:
    field = change["field"]
    value = change["value"]
    if field in TEMPLATE_FIELDS:
        await _template_update(str(entry.get("id", "")), field, value, context.clock.now())
        return 0
    if field in PACE_FIELDS:
        # The number's throughput and quality, the portfolio's messaging limit (entry: WABA).
        await PACE_FIELDS[field](str(entry.get("id", "")), value, context.clock.now())
        return 0
    if field not in ("messages", "user_preferences"):
        # Not named: the field comes from the (signed) body, and logs quote nothing sent to us.
        log.info("webhook change of an unhandled field ignored")
        return 0
    number = str(value["metadata"]["phone_number_id"])
    account = await accounts.by_number(number)
    if account is None:
        # Acknowledged and dropped: Meta would retry an error for days.
        if matchable(Account, "phone_number_id", number):
            log.warning("webhook for unknown phone_number_id %s dropped", number)
        else:
            log.warning("webhook for a phone_number_id no account can have dropped")
            metrics.count_inbound_repair("unmatchable", "phone_number_id")
        return 0
    if field == "user_preferences":
        await consent.on_user_preferences(account.id, value, context.clock.now())
        return 0
    contacts = [c for c in value.get("contacts") or [] if isinstance(c, dict)]
    media = 0
    for message in value.get("messages") or []:
        try:
            media += await _store_inbound(context, account, message, contacts)
        except MALFORMED as exc:
            log.warning("malformed inbound message skipped: %s", type(exc).__name__)
            metrics.count_inbound_repair("malformed", "message")
    await _apply_statuses(context, account, value.get("statuses") or [])
    for error in value.get("errors") or []:
        # The code only: Meta's title and details may quote what the customer sent.
        code = error.get("code") if isinstance(error, dict) else None
        log.warning(
            "webhook error for account %s: code %s",
            account.id,
            code if isinstance(code, int) else "-",
        )
    return media


def _contact_for(message: dict[str, Any], contacts: list[dict[str, Any]]) -> dict[str, Any]:
    sender, user = message.get("from"), message.get("from_user_id")
    for contact in contacts:
        if (sender and contact.get("wa_id") == sender) or (user and contact.get("user_id") == user):
            return contact
    return contacts[0] if len(contacts) == 1 else {}


async def _store_inbound(
    context: _Context, account: Account, message: dict[str, Any], contacts: list[dict[str, Any]]
) -> int:
    """Store one inbound message (once per wamid) and open or renew the window."""
    wamid = message["id"]
    if not isinstance(wamid, str) or not wamid:
        raise ValueError("message without id")
    repairs = Repairs()
    wamid = repairs.column(Message, "wamid", wamid)
    if await Message.exists(account_id=account.id, wamid=wamid):
        return 0
    if await is_buried(account.id, wamid):
        # A redelivery of a deleted customer's message: storing it would bring them back.
        log.info("inbound message of a deleted customer ignored (account %s)", account.id)
        return 0
    contact = _contact_for(message, contacts)
    phone = identity.usable_phone(message.get("from") or contact.get("wa_id"))
    bsuid = message.get("from_user_id") or contact.get("user_id")
    bsuid = repairs.column(Customer, "bsuid", bsuid if isinstance(bsuid, str) and bsuid else None)
    profile = contact.get("profile")
    name = profile.get("name") if isinstance(profile, dict) else None
    name = repairs.text("name", name if isinstance(name, str) else None)
    if phone is None and bsuid is None:
        raise ValueError("message names neither a phone number nor a user id")
    content = _fit(parse_content(message), repairs)
    payload = repairs.payload(message)
    now = context.clock.now()
    occurred = meta_time(message.get("timestamp"), now)
    pending = content.media_id is not None
    async with in_transaction():
        customer = await identity.resolve_customer(account.id, phone, bsuid, name, now)
        try:
            async with in_transaction():
                stored = await Message.create(
                    account_id=account.id,
                    customer_id=customer.id,
                    direction=Direction.INBOUND,
                    type=content.type,
                    text=content.text,
                    media_id=content.media_id,
                    media_mime=content.mime_type,
                    media_filename=content.filename,
                    media_state=MediaState.PENDING if pending else MediaState.NONE,
                    media_next_attempt_at=now if pending else None,
                    wamid=wamid,
                    status=MessageStatus.RECEIVED,
                    error_code=content.error_code,
                    error_message=content.error_message,
                    reply_to=content.reply_to,
                    choice_id=content.choice_id,
                    payload=payload,
                    occurred_at=occurred,
                )
        except IntegrityError:
            return 0  # the same message arrived concurrently: stored once
        await _touch(customer, occurred, now)
        data = event_data(stored, customer, account, base_url=context.base_url)
        await record_event(account.id, "message.received", data, now=now, customer_id=customer.id)
        await consent.on_inbound(account, customer, content.type, content.text, now)
        # A bot-owned customer's message is a bot turn, committed with the message itself.
        await bot_turns.on_inbound(customer, stored, now)
    repairs.report("message", account.id, stored.id)
    metrics.count_message(Direction.INBOUND, MessageStatus.RECEIVED)
    return 1 if pending else 0


def _fit(content: Content, repairs: Repairs) -> Content:
    """The message's content as its columns can hold it (the raw item keeps what was cut)."""
    return dataclasses.replace(
        content,
        text=repairs.text("text", content.text),
        media_id=repairs.column(Message, "media_id", content.media_id),
        mime_type=repairs.column(Message, "media_mime", content.mime_type),
        filename=repairs.column(Message, "media_filename", content.filename),
        error_code=repairs.int32("error_code", content.error_code),
        error_message=repairs.text("error_message", content.error_message),
        choice_id=repairs.text("choice_id", content.choice_id),
    )


async def _touch(customer: Customer, occurred: dt.datetime, now: dt.datetime) -> None:
    """Set last_interaction and open/renew the window; a replayed old message moves nothing back."""
    changed = []
    if customer.last_interaction is None or occurred > customer.last_interaction:
        customer.last_interaction = occurred
        changed.append("last_interaction")
    if customer.last_inbound_at is None or occurred > customer.last_inbound_at:
        customer.last_inbound_at = occurred
        changed.append("last_inbound_at")
    if changed:
        customer.updated_at = now
        await customer.save(update_fields=[*changed, "updated_at"])


@dataclass(frozen=True)
class _Status:
    """A status read from the webhook, and what its handling reports once it is applied."""

    item: StatusItem
    code: int | None
    repairs: Repairs


async def _apply_statuses(context: _Context, account: Account, raw: list[Any]) -> None:
    """Apply a change's statuses in order: as one set when the context has a coalescer (those
    it leaves, and all of them if the set fails, go the general path), else one by one."""
    read: list[_Status] = []
    for status in raw:
        try:
            found = _read_status(context, account, status)
        except MALFORMED as exc:
            log.warning("malformed status skipped: %s", type(exc).__name__)
            metrics.count_inbound_repair("malformed", "status")
            continue
        if found is not None:
            read.append(found)
    applied = [False] * len(read)
    if context.statuses is not None and read:
        try:
            applied = await context.statuses.submit([s.item for s in read])
        except Exception:
            # Nothing of the set was stored: these statuses go the general way, one by one.
            log.exception("status set failed; applying its statuses one by one")
    for status, done in zip(read, applied, strict=True):
        item = status.item
        try:
            if not done:
                await apply_status(account.id, item.update, item.now, base_url=item.base_url)
            if item.update.status == MessageStatus.FAILED:
                await consent.on_failed_status(account.id, item.update.wamid, status.code, item.now)
                if context.pacer is not None and status.code is not None:
                    await pace_channel.on_failed_status(
                        context.pacer, account, item.update.wamid, status.code, item.now
                    )
        except MALFORMED as exc:
            log.warning("malformed status skipped: %s", type(exc).__name__)
            metrics.count_inbound_repair("malformed", "status")
            continue
        status.repairs.report("status", account.id)


def _read_status(context: _Context, account: Account, status: dict[str, Any]) -> _Status | None:
    """The status as an update to apply, or None when it is ignored (untracked, unmatchable)."""
    wamid = status["id"]
    word = normalise_status(status.get("status"))
    if not isinstance(wamid, str) or word is None:
        log.info("status webhook for account %s without a tracked status ignored", account.id)
        return None
    repairs = Repairs()
    if not matchable(Message, "wamid", wamid):
        # No message of ours can have this id, and it cannot be parked for one.
        repairs.skipped("wamid")
        repairs.report("status", account.id)
        return None
    code, reason = None, None
    errors = status.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        error = errors[0]
        code = error.get("code") if isinstance(error.get("code"), int) else None
        data = error.get("error_data")
        details = data.get("details") if isinstance(data, dict) else None
        texts = (details, error.get("message"), error.get("title"))
        reason = next((t for t in texts if isinstance(t, str) and t), None)
    now = context.clock.now()
    callback = status.get("biz_opaque_callback_data")
    update = StatusUpdate(
        wamid,
        word,
        meta_time(status.get("timestamp"), now),
        repairs.int32("error_code", code),
        repairs.text("error_message", reason),
        callback_data=callback[:512] if isinstance(callback, str) else None,
    )
    return _Status(StatusItem(account, update, now, context.base_url), code, repairs)


async def _template_update(
    waba_id: str, field: str, value: dict[str, Any], now: dt.datetime
) -> None:
    """Hand a template webhook to every account on that WABA (the templates domain applies it)."""
    if not isinstance(value, dict):
        raise ValueError("template update without a value object")
    repairs = Repairs()
    value = repairs.payload(value)
    names = (
        ("waba_id", Account, "waba_id", waba_id),
        ("message_template_id", Template, "meta_id", value.get("message_template_id")),
        ("message_template_name", Template, "name", value.get("message_template_name")),
        ("message_template_language", Template, "language", value.get("message_template_language")),
    )
    for label, model, column, given in names:
        if isinstance(given, str | int) and not matchable(model, column, str(given)):
            # No template of ours has this id or name: nothing to apply it to.
            repairs.skipped(label)
            repairs.report("template update", None)
            return
    for account in await Account.filter(waba_id=waba_id).only("id"):
        moved = await apply_template_update(account.id, field, value, now, repairs)
        if moved is not None:
            # A template turning PAUSED or DISABLED pauses the campaigns sending it.
            await campaigns.pause_for_template(account.id, moved.id, str(moved.status), now)
    repairs.report("template update", None)
