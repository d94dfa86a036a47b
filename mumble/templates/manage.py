"""Deleting and editing templates at Meta, then here (delete-template, edit-template).

delete: find in this account -> refuse one in use (409) -> DELETE at Meta by name (every
language) or by name and hsm_id (that one) -> delete here. A template Meta no longer has is
deleted here too. edit: find -> only what Meta lets be edited (APPROVED, REJECTED or PAUSED; an
approved template keeps its category) -> the new content checked like create-template -> POST
/{template-id} -> stored as sent, PENDING again (Meta reviews every edit). No HTTP call runs
inside a transaction. developers.facebook.com/documentation/business-messaging/whatsapp/templates/
template-management
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from tortoise.transactions import in_transaction

from mumble.channels.errors import meta_refusal
from mumble.channels.lookup import channel_of, waba_of
from mumble.errors import BadRequest, Conflict, Refusal
from mumble.events.outbox import record_event
from mumble.models import Account, ScheduledMessage, Template
from mumble.models.states import ScheduledStatus
from mumble.templates import rules, variables
from mumble.templates.flows import Creator, fetch_header_sample
from mumble.templates.service import (
    check_request,
    find_template,
    stored_content,
    template_view,
)
from mumble.whatsapp.client import GraphClient
from mumble.whatsapp.errors import WhatsAppError

EDITABLE = ("APPROVED", "REJECTED", "PAUSED")
IN_USE = Refusal(
    Conflict, "Template is in use by a scheduled send or a running campaign and cannot be {action}"
)
NOT_EDITABLE = Refusal(
    BadRequest,
    "Template is {status} and cannot be edited (only APPROVED, REJECTED or PAUSED templates can)",
)
CATEGORY_LOCKED = Refusal(BadRequest, "The category of an approved template cannot be changed")
NOT_AT_META = Refusal(BadRequest, "Template has not reached WhatsApp yet and cannot be edited")
# Meta's answer when the template is already gone there (code 100, this subcode).
_GONE_SUBCODE = 2593002


async def template_in_use(template: Template) -> bool:
    """Whether a send still to be made uses the template (409 on delete/edit): a scheduled send
    not yet sent, failed or cancelled (campaigns, once they exist, answer here too)."""
    waiting = (ScheduledStatus.SCHEDULED, ScheduledStatus.SENDING)
    return await ScheduledMessage.exists(
        account_id=template.account_id,  # type: ignore[attr-defined]
        template_id=str(template.id),
        status__in=waiting,
    )


async def delete_template(
    graph: GraphClient, account_id: uuid.UUID, raw_id: str, *, all_languages: bool, now: dt.datetime
) -> list[Template]:
    """Delete one template (or every language of its name) at Meta, then here."""
    template = await find_template(account_id, raw_id)
    query = Template.filter(account_id=account_id)
    doomed = await query.filter(name=template.name) if all_languages else [template]
    if any([await template_in_use(t) for t in doomed]):
        raise IN_USE(action="deleted")
    channel = channel_of(await Account.get(id=account_id))
    if any(t.meta_id for t in doomed):
        waba_of(channel)
        hsm_id = None if all_languages else template.meta_id
        try:
            await graph.delete_template(channel, template.name, hsm_id=hsm_id)
        except WhatsAppError as exc:
            if exc.subcode != _GONE_SUBCODE:  # already gone at Meta: delete it here too
                raise meta_refusal(exc) from None
    async with in_transaction():
        for gone in doomed:
            await gone.delete()
            view = template_view(gone) | {"status": "DELETED"}
            await record_event(account_id, "template.status_changed", view, now=now)
    return doomed


def _edit_params(template: Template, params: dict[str, Any]) -> dict[str, Any]:
    """The edit as a create-template request: name and language are the template's."""
    merged = {k: v for k, v in params.items() if k not in ("name", "language", "template_id")}
    merged.setdefault("category", template.category)
    merged.setdefault("parameter_format", template.parameter_format)
    return {"name": template.name, "language": template.language, **merged}


async def edit_template(
    creator: Creator, account_id: uuid.UUID, raw_id: str, params: dict[str, Any], now: dt.datetime
) -> Template:
    """Replace an approved, rejected or paused template's content (and category) at Meta."""
    template = await find_template(account_id, raw_id)
    if template.status not in EDITABLE:
        raise NOT_EDITABLE(status=template.status)
    if not template.meta_id:
        raise NOT_AT_META()
    if await template_in_use(template):
        raise IN_USE(action="edited")
    request, problems = rules.read_request(_edit_params(template, params))
    components = check_request(request, problems)
    if template.status == "APPROVED" and request.category != template.category:
        raise CATEGORY_LOCKED()
    channel = channel_of(await Account.get(id=account_id))
    try:
        if request.media_header:
            data, mime_type, filename = await fetch_header_sample(
                creator.http, request, allow_private=creator.allow_private_urls
            )
            handle = await creator.graph.upload_header_sample(
                creator.app_id, channel, data, mime_type, filename
            )
            components = rules.to_components(request, handle)
        body: dict[str, Any] = {"components": components}
        if request.category != template.category:
            body["category"] = request.category
        await creator.graph.edit_template(channel, template.meta_id, body)
    except WhatsAppError as exc:
        raise meta_refusal(exc) from None
    return await _store_edit(template, request, components, now)


async def _store_edit(
    template: Template,
    request: rules.TemplateRequest,
    components: list[dict[str, Any]],
    now: dt.datetime,
) -> Template:
    body, footer, header = stored_content(request)
    async with in_transaction():
        current = await Template.select_for_update().get(id=template.id)
        current.category = request.category
        current.parameter_format = request.parameter_format
        current.body = body
        current.body_variables = variables.count(body, request.parameter_format)
        current.header = header
        current.footer = footer  # type: ignore[assignment]  # a nullable column
        current.buttons = [rules.meta_button(b) for b in request.buttons]
        current.components = components
        current.status = "PENDING"  # every edit goes through Meta's review again
        current.status_changed_at = now
        current.rejection_reason = None
        await current.save()
        await record_event(
            current.account_id,  # type: ignore[attr-defined]
            "template.status_changed",
            template_view(current),
            now=now,
        )
    return current
