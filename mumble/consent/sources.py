"""Where consent changes come from besides the API: the customer's own words, WhatsApp's
marketing preference, and Meta refusing a marketing send because the user stopped marketing.

Each hands the ledger one change; the ledger ignores a change to the state already held, so a
repeated STOP, Meta's retried webhook or a second refused send records nothing new.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from mumble.consent import keywords, ledger
from mumble.models import Account, Consent, Customer, Message, Template
from mumble.models.states import Direction

log = logging.getLogger("mumble.consent")

# Inbound types whose text is the customer's own words (a reply button's title included:
# marketing templates carry a "Stop promotions" quick reply).
_WORDED = frozenset({"text", "button", "interactive"})
# Meta: "Unable to deliver the message: the user has stopped marketing messages".
MARKETING_STOPPED_CODE = 131050
MARKETING = "MARKETING"
_PREFERENCE = {"stop": Consent.OPTED_OUT, "resume": Consent.OPTED_IN}


async def on_inbound(
    account: Account, customer: Customer, kind: str, text: str | None, now: dt.datetime
) -> None:
    """In the inbound message's transaction: a stop or start keyword changes the consent."""
    if kind not in _WORDED or not text:
        return
    change = keywords.match(text, keywords.keywords_for(account.consent_keywords), now=now)
    if change is None:
        return
    source = ledger.STOP_KEYWORD if change.marketing == Consent.OPTED_OUT else ledger.START_KEYWORD
    await ledger.record(customer, change.marketing, source, change.at)


async def on_user_preferences(
    account_id: uuid.UUID, value: dict[str, Any], now: dt.datetime
) -> int:
    """Meta's `user_preferences` webhook: marketing `stop` opts the user out, `resume` in.
    Returns how many customers changed; other categories and unknown users are ignored."""
    changed = 0
    for preference in value.get("user_preferences") or []:
        if not isinstance(preference, dict):
            continue
        state = _PREFERENCE.get(str(preference.get("value", "")).lower())
        phone = preference.get("wa_id")
        if preference.get("category") != "marketing_messages" or state is None:
            log.info("user preference %r ignored", preference.get("category"))
            continue
        if not isinstance(phone, str) or not phone.isdigit():
            continue
        if await ledger.record_for_phone(
            account_id, phone, state, ledger.WHATSAPP_PREFERENCES, now
        ):
            changed += 1
    return changed


async def _is_marketing(template_id: uuid.UUID | None) -> bool:
    if template_id is None:
        return False
    return await Template.exists(id=template_id, category=MARKETING)


async def on_failed_status(
    account_id: uuid.UUID, wamid: str, code: int | None, now: dt.datetime
) -> None:
    """A `failed` status with 131050 for a MARKETING template opts its customer out."""
    if code != MARKETING_STOPPED_CODE:
        return
    message = await Message.filter(account_id=account_id, wamid=wamid).first()
    if message is None or not await _is_marketing(message.template_id):
        return
    await _stopped(account_id, message.customer_id, now)  # type: ignore[attr-defined]


async def after_failed_send(
    account_id: uuid.UUID, customer_id: uuid.UUID, template: Template, now: dt.datetime
) -> None:
    """After a template send Meta refused: a MARKETING one refused with 131050 opts the
    customer out (the failed attempt is the customer's latest outbound message)."""
    if template.category != MARKETING:
        return
    latest = (
        await Message.filter(customer_id=customer_id, direction=Direction.OUTBOUND)
        .order_by("-id")
        .first()
    )
    if latest is not None and latest.error_code == MARKETING_STOPPED_CODE:
        await _stopped(account_id, customer_id, now)


async def _stopped(account_id: uuid.UUID, customer_id: uuid.UUID, now: dt.datetime) -> None:
    customer = await Customer.get_or_none(id=customer_id, account_id=account_id).only("phone")
    if customer is not None and customer.phone:
        await ledger.record_for_phone(
            account_id, customer.phone, Consent.OPTED_OUT, ledger.MARKETING_STOPPED, now
        )
