"""The template flows that call Meta: create-template, and the two template sends.

create-template reads top to bottom: read the request -> check it against the reference and
Meta's rulebook -> reserve the name (409) -> fetch and check the header sample -> resumable
upload -> submit to Meta -> store Meta's id and status. A send: find the template in this
account -> refuse anything but APPROVED, a variable or button-variable count that does not
match, a missing or non-http(s) media link -> ensure the customer -> the send pipeline (no
24-hour window check: templates may start a conversation). No HTTP call runs inside a
transaction.
"""

from __future__ import annotations

import posixpath
import uuid
from dataclasses import dataclass
from typing import Any

import aiohttp

import templates_meta
from mumble import urlguard
from mumble.channels.errors import meta_refusal
from mumble.channels.lookup import channel_of, waba_of
from mumble.customers.service import ensure_customer
from mumble.errors import BadRequest, Refusal
from mumble.messages.flows import PROFILE_INVALID, Profile, Sender, send_outbound
from mumble.messages.service import Outgoing
from mumble.models import Account, Message, Template
from mumble.templates import rules
from mumble.templates.service import (
    MEDIA_INVALID,
    NAME_TAKEN,
    check_request,
    find_template,
    record_accepted,
    reserve,
)
from mumble.urlguard import is_http_url
from mumble.whatsapp.client import GraphClient
from mumble.whatsapp.errors import WhatsAppError
from mumble.whatsapp.payloads import template_payload
from templates_meta.rulebook import indefinite

SEND_FAILED = "Failed to send template message."
NOT_SENDABLE = Refusal(
    BadRequest,
    "Template is {status} and cannot be sent (only APPROVED templates can be sent)",
)
VARIABLE_COUNT = Refusal(BadRequest, "Template expects {expected} variable(s), {given} given")
BUTTON_COUNT = Refusal(BadRequest, "Template expects {expected} button variable(s), {given} given")
MEDIA_LINK_REQUIRED = Refusal(
    BadRequest, "Media link is required for a template with {header} header"
)
SEND_REFUSALS = (NOT_SENDABLE, VARIABLE_COUNT, BUTTON_COUNT, MEDIA_LINK_REQUIRED, MEDIA_INVALID)


@dataclass(frozen=True)
class Creator:
    """What create-template needs: Meta, a client for the header sample, the app id."""

    graph: GraphClient
    http: aiohttp.ClientSession
    app_id: str
    allow_private_urls: bool


def _filename(url: str, mime_type: str) -> str:
    base = posixpath.basename(url.split("?", 1)[0].split("#", 1)[0])
    if base and "." in base:
        return base[:100]
    media = templates_meta.load().media_format(mime_type)
    return f"header.{media.extensions[0] if media else 'bin'}"


async def fetch_header_sample(
    http: aiohttp.ClientSession, request: rules.TemplateRequest, *, allow_private: bool
) -> tuple[bytes, str, str]:
    """The media_url's bytes, content type and a file name, checked against the header format."""
    book = templates_meta.load()
    kind = book.media_kind(request.header_format or "") or ""
    allowed = book.media_mime_types(kind)
    url = request.media_url or ""
    try:
        urlguard.parse_url(url)
        data, mime_type = await urlguard.fetch_public(
            http, url, allow_private=allow_private, max_bytes=book.media_max_bytes(kind)
        )
    except urlguard.UnsafeUrl as exc:
        raise MEDIA_INVALID(details=[str(exc)]) from None
    except (aiohttp.ClientError, TimeoutError):
        raise MEDIA_INVALID(details=["The media_url could not be fetched"]) from None
    if mime_type not in allowed:
        raise MEDIA_INVALID(
            details=[
                f"{indefinite(request.header_format, capital=True)} header needs "
                f"{', '.join(allowed)}, "
                f"the link is {mime_type}"
            ]
        )
    if not data:
        raise MEDIA_INVALID(details=["The media_url returned no content"])
    return data, mime_type, _filename(url, mime_type)


async def create_template(
    creator: Creator, account_id: uuid.UUID, params: dict[str, Any]
) -> Template:
    """Check, reserve, upload the header sample, submit to Meta; returns the stored template."""
    request, problems = rules.read_request(params)
    components = check_request(request, problems)
    account = await Account.get(id=account_id)
    channel = channel_of(account)
    waba_of(channel)
    if await Template.exists(account_id=account_id, name=request.name, language=request.language):
        raise NAME_TAKEN()
    sample = None
    if request.media_header:
        sample = await fetch_header_sample(
            creator.http, request, allow_private=creator.allow_private_urls
        )
    template = await reserve(account_id, request)
    try:
        if sample is not None:
            data, mime_type, filename = sample
            handle = await creator.graph.upload_header_sample(
                creator.app_id, channel, data, mime_type, filename
            )
            components = rules.to_components(request, handle)
        answer = await creator.graph.create_template(
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
        raise meta_refusal(exc) from None
    except BaseException:
        await template.delete()
        raise
    return await record_accepted(template, components, answer)


@dataclass(frozen=True)
class TemplateSend:
    """A template send as the request gave it."""

    phone: str
    template_id: str
    variables: list[str]
    button_values: list[str]
    media_link: str | None
    profile: Profile


def _check_sendable(
    template: Template, variables: list[str], buttons: list[str], media_link: str | None
) -> dict[str, Any] | None:
    """Refuse before Meta what Meta would refuse; returns the header parameter, if any."""
    if not templates_meta.load().is_sendable(template.status):
        raise NOT_SENDABLE(status=template.status)
    if len(variables) != template.body_variables:
        raise VARIABLE_COUNT(expected=template.body_variables, given=len(variables))
    dynamic = rules.variable_buttons(template.buttons or [])
    if len(buttons) != len(dynamic):
        raise BUTTON_COUNT(expected=len(dynamic), given=len(buttons))
    fmt = str((template.header or {}).get("format") or "").upper()
    kind = templates_meta.load().media_kind(fmt) if fmt else None
    if kind is None:
        return None
    if not media_link:
        raise MEDIA_LINK_REQUIRED(header=indefinite(fmt))
    if not is_http_url(media_link):
        raise MEDIA_INVALID(details=["media_link must be an http(s) URL"])
    return {"type": kind, "link": media_link}


async def send_template(sender: Sender, account_id: uuid.UUID, send: TemplateSend) -> Message:
    """Send an approved template; returns the stored message."""
    template = await find_template(account_id, send.template_id)
    header = _check_sendable(template, send.variables, send.button_values, send.media_link)
    account = await Account.get(id=account_id)
    channel_of(account)
    profile = send.profile
    customer = await ensure_customer(
        account_id,
        send.phone,
        sender.clock.now(),
        name=profile.name,
        email=profile.email,
        source=profile.source,
        bot_token=profile.bot_token,
        failure=PROFILE_INVALID,
    )
    dynamic = rules.variable_buttons(template.buttons or [])
    payload = template_payload(
        send.phone,
        template.name,
        template.language,
        header=header,
        body_params=send.variables,
        buttons=[
            {"sub_type": "url", "index": index, "text": value}
            for index, value in zip(dynamic, send.button_values, strict=True)
        ],
    )
    rendered = rules.render(template.body, send.variables)
    outgoing = Outgoing("template", rendered, template_id=template.id, rendered_body=rendered)
    return await send_outbound(
        sender, account, customer, payload, outgoing, failure_message=SEND_FAILED
    )
