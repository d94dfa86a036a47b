"""Template webhooks from Meta: status, quality and category updates applied to stored templates.

The inbound webhook passes each `message_template_status_update`,
`message_template_quality_update` and `template_category_update` change here, already routed to
the account by its WABA id. Facts: developers.facebook.com/documentation/business-messaging/
whatsapp/webhooks/reference/message_template_status_update.

Every value stored is fitted to its column by the `Fitter` the inbound webhook hands in (its
`Repairs`): clipped after upper-casing, NUL replaced, a value of the wrong type left out and
counted. One odd change is then applied as far as it can be and never fails the batch.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any, Protocol

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


class Fitter(Protocol):
    """Makes webhook values storable and counts each repair (mumble.inbound.fitting.Repairs)."""

    def text(self, field: str, value: str, max_length: int | None = None) -> str: ...

    def dropped(self, field: str) -> None: ...


def fitted(fit: Fitter, field: str, value: object, *, upper: bool = False) -> str | None:
    """`value` as the text column `Template.field` holds it; None when absent or not a word.

    Meta sends strings (a number is taken as its digits); a list, object or boolean is dropped.
    Clipping comes after upper-casing, which can lengthen a string ("ß" becomes "SS").
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        fit.dropped(field)
        return None
    text = str(value).upper() if upper else str(value)
    return fit.text(field, text, getattr(Template._meta.fields_map[field], "max_length", None))


def _meta_id(fit: Fitter, value: dict[str, Any]) -> str | None:
    """Meta's template id in the webhook (a string or an integer), None when absent or odd."""
    given = value.get("message_template_id")
    if given in (None, ""):
        return None
    if isinstance(given, bool) or not isinstance(given, str | int):
        fit.dropped("message_template_id")
        return None
    return str(given)


async def _locate(
    account_id: uuid.UUID, meta_id: str | None, value: dict[str, Any]
) -> Template | None:
    """The template a webhook names: by Meta's id, else by name and language (a reservation)."""
    query = Template.filter(account_id=account_id).select_for_update()
    if meta_id is not None:
        found = await query.filter(meta_id=meta_id).first()
        if found is not None:
            return found
    name = value.get("message_template_name")
    language = value.get("message_template_language")
    if isinstance(name, str) and isinstance(language, str):
        found = await query.filter(
            name=name, language=templates_meta.normalize_language(language)
        ).first()
        # Only adopt a row Meta has not given another id to.
        if found is not None and (found.meta_id in (None, meta_id)):
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


def _apply_status(template: Template, value: dict[str, Any], now: dt.datetime, fit: Fitter) -> bool:
    """Returns whether the status changed."""
    book = templates_meta.load()
    other_info = value.get("other_info")
    info: dict[str, Any] = other_info if isinstance(other_info, dict) else {}
    title = info.get("title")
    word = fitted(fit, "status", value.get("event"))
    if word is None:
        return False
    event = fitted(
        fit, "status", book.status_for_event(word, title if isinstance(title, str) else None)
    )
    if not event:
        return False
    if event not in book.statuses:
        log.warning("template %s: unknown status event %s", template.id, event)
    elif not book.can_transition(template.status, event):
        # Meta is the authority and webhooks arrive out of order: apply, but leave a trace.
        log.info("template %s: undocumented move %s -> %s", template.id, template.status, event)
    changed = template.status != event
    template.status = event
    if event == "REJECTED":
        template.rejection_reason = fitted(fit, "rejection_reason", value.get("reason"))
    elif event in ("APPROVED", "PENDING"):
        template.rejection_reason = None
    note = _note(value)
    # TextField(null=True) is typed as str.
    template.status_note = None if note is None else fit.text("status_note", note)  # type: ignore[assignment]
    category = fitted(fit, "category", value.get("message_template_category"), upper=True)
    if category:
        template.category = category
    template.status_changed_at = now
    return changed


def _apply_category(template: Template, value: dict[str, Any], fit: Fitter) -> None:
    new = fitted(fit, "category", value.get("new_category"), upper=True)
    previous = fitted(fit, "previous_category", value.get("previous_category"), upper=True)
    correct = fitted(fit, "correct_category", value.get("correct_category"), upper=True)
    if value.get("previous_category"):
        # Completed change.
        template.previous_category = previous
        if new:
            template.category = new
        template.correct_category = None
        template.category_update_at = None
    elif correct:
        # Announced change: applies at category_update_timestamp.
        template.correct_category = correct
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
    account_id: uuid.UUID, field: str, value: dict[str, Any], now: dt.datetime, fit: Fitter
) -> Template | None:
    """Apply one template webhook change to the account's template (event when the status moved).

    `fit` makes each value storable in its column and counts what it repaired. Returns the
    template when its status moved.
    """
    if field not in FIELDS or not isinstance(value, dict):
        return None
    meta_id = _meta_id(fit, value)
    async with in_transaction():
        template = await _locate(account_id, meta_id, value)
        if template is None:
            # Not ours yet (created outside Mumble): the periodic sync imports it.
            log.info(
                "template webhook %s for unknown template %s",
                field,
                meta_id,
            )
            return None
        if template.meta_id is None and meta_id is not None:
            template.meta_id = meta_id
        changed = False
        if field == STATUS_FIELD:
            changed = _apply_status(template, value, now, fit)
        elif field == QUALITY_FIELD:
            score = fitted(fit, "quality_score", value.get("new_quality_score"), upper=True)
            if score:
                template.quality_score = score
        else:
            _apply_category(template, value, fit)
        await template.save()
        if changed:
            await record_event(
                account_id, "template.status_changed", template_view(template), now=now
            )
    return template if changed else None
