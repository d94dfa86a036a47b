"""Template webhooks from Meta: status, quality and category updates applied to stored templates.

The inbound webhook passes each `message_template_status_update`,
`message_template_quality_update` and `template_category_update` change here, already routed to
the account by its WABA id. Facts: developers.facebook.com/documentation/business-messaging/
whatsapp/webhooks/reference/message_template_status_update.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from tortoise.transactions import in_transaction

import templates_meta
from mumble.events.outbox import record_event
from mumble.models import Template
from mumble.templates.service import template_view
from mumble.text import ascii_int

log = logging.getLogger("mumble.templates")

STATUS_FIELD = "message_template_status_update"
QUALITY_FIELD = "message_template_quality_update"
CATEGORY_FIELD = "template_category_update"
FIELDS = frozenset({STATUS_FIELD, QUALITY_FIELD, CATEGORY_FIELD})


async def _locate(account_id: uuid.UUID, value: dict[str, Any]) -> Template | None:
    """The template a webhook names: by Meta's id, else by name and language (a reservation)."""
    query = Template.filter(account_id=account_id).select_for_update()
    meta_id = value.get("message_template_id")
    if meta_id not in (None, ""):
        found = await query.filter(meta_id=str(meta_id)).first()
        if found is not None:
            return found
    name = value.get("message_template_name")
    language = value.get("message_template_language")
    if isinstance(name, str) and isinstance(language, str):
        found = await query.filter(
            name=name, language=templates_meta.normalize_language(language)
        ).first()
        # Only adopt a row Meta has not given another id to.
        if found is not None and (found.meta_id in (None, str(meta_id))):
            return found
    return None


def _note(value: dict[str, Any]) -> str | None:
    """Meta's explanation of the status: rejection info, pause info or the disable date."""
    for key in ("rejection_info", "other_info"):
        info = value.get(key)
        if isinstance(info, dict):
            parts = [info.get(k) for k in ("reason", "title", "recommendation", "description")]
            text = " - ".join(str(p) for p in parts if p)
            if text:
                return text
    disable = value.get("disable_info")
    if isinstance(disable, dict) and disable.get("disable_date") is not None:
        return f"disable_date {disable['disable_date']}"
    return None


def _apply_status(template: Template, value: dict[str, Any], now: dt.datetime) -> bool:
    """Returns whether the status changed."""
    book = templates_meta.load()
    other_info = value.get("other_info")
    info: dict[str, Any] = other_info if isinstance(other_info, dict) else {}
    event = book.status_for_event(str(value.get("event") or ""), info.get("title"))
    if not event:
        return False
    if event not in book.statuses:
        log.warning("template %s: unknown status event %s", template.id, event)
    elif not book.can_transition(template.status, event):
        # Meta is the authority and webhooks arrive out of order: apply, but leave a trace.
        log.info("template %s: undocumented move %s -> %s", template.id, template.status, event)
    changed = template.status != event
    template.status = event
    reason = value.get("reason")
    if event == "REJECTED":
        template.rejection_reason = str(reason) if reason not in (None, "") else None
    elif event in ("APPROVED", "PENDING"):
        template.rejection_reason = None
    template.status_note = _note(value)  # type: ignore[assignment]  # TextField(null=True) is typed as str
    category = value.get("message_template_category")
    if isinstance(category, str) and category:
        template.category = category.upper()
    template.status_changed_at = now
    return changed


def _apply_category(template: Template, value: dict[str, Any]) -> None:
    new = str(value.get("new_category") or "").upper() or None
    if value.get("previous_category"):
        # Completed change.
        template.previous_category = str(value["previous_category"]).upper()
        if new:
            template.category = new
        template.correct_category = None
        template.category_update_at = None
    elif value.get("correct_category"):
        # Announced change: applies at category_update_timestamp.
        template.correct_category = str(value["correct_category"]).upper()
        moment = _moment(value.get("category_update_timestamp"))
        if moment is not None:
            template.category_update_at = moment


def _moment(stamp: object) -> dt.datetime | None:
    """Epoch seconds (a number or ASCII digits) as a UTC datetime; None when not a sane one."""
    if isinstance(stamp, str):
        stamp = ascii_int(stamp.strip())
    if isinstance(stamp, bool) or not isinstance(stamp, int | float):
        return None
    try:
        return dt.datetime.fromtimestamp(int(stamp), dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None


async def apply_template_update(
    account_id: uuid.UUID, field: str, value: dict[str, Any], now: dt.datetime
) -> None:
    """Apply one template webhook change to the account's template (event when the status moved)."""
    if field not in FIELDS or not isinstance(value, dict):
        return
    async with in_transaction():
        template = await _locate(account_id, value)
        if template is None:
            # Not ours yet (created outside Mumble): the periodic sync imports it.
            log.info(
                "template webhook %s for unknown template %s",
                field,
                value.get("message_template_id"),
            )
            return
        if template.meta_id is None and value.get("message_template_id") not in (None, ""):
            template.meta_id = str(value["message_template_id"])
        changed = False
        if field == STATUS_FIELD:
            changed = _apply_status(template, value, now)
        elif field == QUALITY_FIELD:
            score = value.get("new_quality_score")
            if isinstance(score, str) and score:
                template.quality_score = score.upper()
        else:
            _apply_category(template, value)
        await template.save()
        if changed:
            await record_event(
                account_id, "template.status_changed", template_view(template), now=now
            )
