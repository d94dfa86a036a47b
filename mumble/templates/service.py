"""Templates: list, create (check, fetch the header sample, upload it, submit to Meta), look up.

create-template reads top to bottom: read the request -> check it against the reference and
Meta's rulebook -> reserve the name (409) -> fetch and check the media -> resumable upload ->
submit to Meta -> store Meta's id and status. No HTTP call runs inside a transaction.
"""

from __future__ import annotations

import logging
import posixpath
import uuid
from typing import Any

import aiohttp
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

import templates_meta
from mumble import urlguard
from mumble.errors import BadRequest, Conflict, NotFound
from mumble.models import Account, Template
from mumble.settings import Settings
from mumble.templates import rules
from mumble.whatsapp.client import Channel, GraphClient
from mumble.whatsapp.errors import WhatsAppError, to_mumble_error

log = logging.getLogger("mumble.templates")

INVALID = "Invalid template configuration"
MEDIA_INVALID = "Media link is not valid"
_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "video/mp4": "mp4",
    "video/3gpp": "3gp",
    "application/pdf": "pdf",
}


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
        "body_variables": template.body_variables,
        "button_variables": len(dynamic),
        "variable_buttons": dynamic,
        "origin": template.origin,
        "created_at": template.created_at.isoformat() if template.created_at else None,
        "updated_at": template.updated_at.isoformat() if template.updated_at else None,
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
    if found is None:
        found = await query.filter(meta_id=raw_id).first()
    if found is None:
        raise NotFound("Template not found")
    return found


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
    )
    if details:
        raise BadRequest(INVALID, details=details)
    return components


def _filename(url: str, mime_type: str) -> str:
    base = posixpath.basename(url.split("?", 1)[0].split("#", 1)[0])
    if base and "." in base:
        return base[:100]
    return f"header.{_EXTENSIONS.get(mime_type, 'bin')}"


async def fetch_header_sample(
    http: aiohttp.ClientSession, settings: Settings, request: rules.TemplateRequest
) -> tuple[bytes, str, str]:
    """The media_url's bytes, content type and a file name, checked against the header format."""
    kind = templates_meta.load().media_kind(request.header_format or "")
    spec = templates_meta.load().media[kind or ""]
    url = request.media_url or ""
    try:
        urlguard.parse_url(url)
        data, mime_type = await urlguard.fetch_public(
            http, url, allow_private=settings.allow_private_urls, max_bytes=spec["max_bytes"]
        )
    except urlguard.UnsafeUrl as exc:
        raise BadRequest(MEDIA_INVALID, details=[str(exc)]) from None
    except (aiohttp.ClientError, TimeoutError):
        raise BadRequest(MEDIA_INVALID, details=["The media_url could not be fetched"]) from None
    if mime_type not in spec["mime_types"]:
        allowed = ", ".join(spec["mime_types"])
        raise BadRequest(
            MEDIA_INVALID,
            details=[f"A {request.header_format} header needs {allowed}, the link is {mime_type}"],
        )
    if not data:
        raise BadRequest(MEDIA_INVALID, details=["The media_url returned no content"])
    return data, mime_type, _filename(url, mime_type)


async def _reserve(account_id: uuid.UUID, request: rules.TemplateRequest) -> Template:
    """Store the template PENDING before Meta hears of it (unique name+language: 409)."""
    header = None
    if request.header:
        header = {"format": request.header_format}
        if request.header.get("text"):
            header["text"] = str(request.header["text"])
        if request.media_url:
            header["media_url"] = request.media_url
    try:
        async with in_transaction():
            return await Template.create(
                account_id=account_id,
                name=request.name,
                language=request.language,
                category=request.category,
                status=templates_meta.load().raw["initial_status"],
                body=request.body,
                header=header,
                footer=request.footer,
                buttons=[rules.meta_button(b) for b in request.buttons],
                body_variables=rules.body_variable_count(request.body),
            )
    except IntegrityError:
        raise Conflict("Template name already exists") from None


async def create_template(
    graph: GraphClient,
    http: aiohttp.ClientSession,
    settings: Settings,
    account_id: uuid.UUID,
    params: dict[str, Any],
) -> Template:
    """Check, reserve, upload the header sample, submit to Meta; returns the stored template."""
    request, problems = rules.read_request(params)
    components = check_request(request, problems)
    account = await Account.get(id=account_id)
    channel = Channel.of(account)
    channel.require_waba()
    if await Template.exists(account_id=account_id, name=request.name, language=request.language):
        raise Conflict("Template name already exists")
    sample = await fetch_header_sample(http, settings, request) if request.media_header else None
    template = await _reserve(account_id, request)
    try:
        if sample is not None:
            data, mime_type, filename = sample
            handle = await graph.upload_header_sample(
                settings.whatsapp_app_id, channel, data, mime_type, filename
            )
            components = rules.to_components(request, handle)
        answer = await graph.create_template(
            channel,
            {
                "name": request.name,
                "language": request.language,
                "category": request.category,
                "parameter_format": "positional",
                "components": components,
            },
        )
    except WhatsAppError as exc:
        await template.delete()
        raise to_mumble_error(exc) from None
    except BaseException:
        await template.delete()
        raise
    return await _accepted(template, components, answer)


async def _accepted(
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
