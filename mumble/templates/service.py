"""Templates: the view, the queries, and the writes that create-template is made of.

The orchestration that calls Meta (create-template, the template sends) is `templates.flows`.
"""

from __future__ import annotations

import uuid
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

import templates_meta
from mumble.clock import rfc3339
from mumble.db.columns import fits
from mumble.errors import BadRequest, Conflict, NotFound, Refusal
from mumble.models import Template
from mumble.templates import auth, rules, variables

INVALID = Refusal(BadRequest, "Invalid template configuration")
MEDIA_INVALID = Refusal(BadRequest, "Media link is not valid")
TEMPLATE_NOT_FOUND = Refusal(NotFound, "Template not found")
NAME_TAKEN = Refusal(Conflict, "Template name already exists")


def template_view(template: Template) -> dict[str, Any]:
    """One template as get-templates shows it (also the data of template.status_changed)."""
    buttons = [dict(b) for b in template.buttons or []]
    dynamic = rules.variable_buttons(buttons)
    for index, button in enumerate(buttons):
        button["index"] = index
        button["takes_variable"] = index in dynamic
    return {
        "id": str(template.id),
        "meta_id": template.meta_id,
        "name": template.name,
        "language": template.language,
        "category": template.category,
        "status": template.status,
        "rejection_reason": template.rejection_reason,
        "status_note": template.status_note,
        "quality_score": template.quality_score,
        "body": template.body,
        "header": template.header,
        "footer": template.footer,
        "buttons": buttons,
        "parameter_format": template.parameter_format,
        "variables": variables.names(template.body or ""),
        "body_variables": template.body_variables,
        "button_variables": len(dynamic),
        "variable_buttons": dynamic,
        "origin": template.origin,
        "created_at": rfc3339(template.created_at),
        "updated_at": rfc3339(template.updated_at),
    }


async def list_templates(account_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every template of the account, oldest first."""
    rows = await Template.filter(account_id=account_id).order_by("created_at", "name", "language")
    return [template_view(t) for t in rows]


async def find_template(account_id: uuid.UUID, raw_id: str) -> Template:
    """By our UUID or Meta's id, in this account only; 404 "Template not found"."""
    query = Template.filter(account_id=account_id)
    try:
        found = await query.filter(id=uuid.UUID(raw_id)).first()
    except ValueError:
        found = None
    if found is None and fits(Template, "meta_id", raw_id):
        found = await query.filter(meta_id=raw_id).first()
    if found is None:
        raise TEMPLATE_NOT_FOUND()
    return found


async def meta_id_of(template_id: str) -> str | None:
    """Meta's id of the template with our UUID `template_id` (any account); None if unknown.

    `mumble serve` lets its embedded sandbox's control API take our id this way, so
    create-template's `data.id` is enough to approve a template there."""
    try:
        key = uuid.UUID(template_id)
    except ValueError:
        return None
    ids = await Template.filter(id=key).limit(1).values_list("meta_id", flat=True)
    return str(ids[0]) if ids and ids[0] else None


def check_request(request: rules.TemplateRequest, problems: list[str]) -> list[dict[str, Any]]:
    """Meta's components for the request; 400 "Invalid template configuration" naming each rule."""
    details = [*problems, *rules.reference_problems(request)]
    # A placeholder handle stands for the upload that happens only once the rules pass.
    handle = "pending-upload" if request.media_header else None
    components = rules.to_components(request, handle)
    details += templates_meta.check_components(
        name=request.name,
        language=request.language,
        category=request.category,
        components=components,
        parameter_format=request.parameter_format,
    )
    if details:
        raise INVALID(details=details)
    return components


def stored_content(
    request: rules.TemplateRequest,
) -> tuple[str, str | None, dict[str, Any] | None]:
    """The body, footer and header a template stores for this request (an authentication
    template's are Meta's preset texts)."""
    header: dict[str, Any] | None = None
    if request.header:
        header = {"format": request.header_format}
        if request.header.get("text"):
            header["text"] = str(request.header["text"])
        if request.media_url:
            header["media_url"] = request.media_url
    body, footer = request.body, request.footer
    if request.authentication:
        body = auth.preset_body(request.security_recommendation)
        footer = auth.preset_footer(request.code_expiration_minutes)
    return body, footer, header


async def reserve(account_id: uuid.UUID, request: rules.TemplateRequest) -> Template:
    """Store the template PENDING before Meta hears of it (unique name+language: 409)."""
    body, footer, header = stored_content(request)
    try:
        async with in_transaction():
            return await Template.create(
                account_id=account_id,
                name=request.name,
                language=request.language,
                category=request.category,
                status=templates_meta.load().raw["initial_status"],
                body=body,
                header=header,
                footer=footer,
                buttons=[rules.meta_button(b) for b in request.buttons],
                body_variables=rules.body_variable_count(body, request.parameter_format),
                parameter_format=request.parameter_format,
            )
    except IntegrityError:
        raise NAME_TAKEN() from None


async def record_accepted(
    template: Template, components: list[dict[str, Any]], answer: dict[str, Any]
) -> Template:
    """Record Meta's id and first answer, unless a status webhook already overtook it."""
    async with in_transaction():
        current = await Template.select_for_update().get(id=template.id)
        current.meta_id = str(answer.get("id") or "") or None
        current.components = components
        if current.status_changed_at is None:
            status = str(answer.get("status") or "").upper()
            if status:
                current.status = status
            category = str(answer.get("category") or "").upper()
            if category:
                current.category = category
        await current.save()
    return current
