"""The template flows that call Meta: create-template, and the two template sends.

create-template reads top to bottom: read the request -> check it against the reference and
Meta's rulebook -> reserve the name (409) -> fetch and check the header sample -> resumable
upload -> submit to Meta -> store Meta's id and status. A send: find the template in this
account -> refuse anything but APPROVED, a variable or button-variable count that does not
match, a missing or non-http(s) media link, a MARKETING template to an opted-out customer ->
ensure the customer -> the send pipeline (no 24-hour window check: templates may start a
conversation). No HTTP call runs inside a transaction.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import uuid
from dataclasses import asdict, dataclass
from typing import Any

import aiohttp

import templates_meta
from mumble import urlguard
from mumble.channels.errors import meta_refusal
from mumble.channels.lookup import channel_of, waba_of
from mumble.consent import gate, sources
from mumble.customers.changes import CUSTOMER_NOT_FOUND
from mumble.customers.recipient import Recipient
from mumble.customers.service import ensure_customer
from mumble.errors import BadRequest, MumbleError, Refusal
from mumble.messages.flows import PROFILE_INVALID, Profile, Sender, send_outbound
from mumble.messages.recipients import address_of, apply_profile
from mumble.messages.service import Outgoing
from mumble.models import Account, Customer, Message, ScheduledMessage, Template
from mumble.scheduled import rules as schedule_rules
from mumble.scheduled import service as scheduled
from mumble.templates import auth, rules, variables
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
VALUES_BY_NAME = Refusal(
    BadRequest,
    "Template has named variables ({names}): pass variable as an object of names to values",
)
VALUES_IN_ORDER = Refusal(
    BadRequest, "Template has positional variables: pass variable as an array of values in order"
)
NAMES_MISMATCH = Refusal(BadRequest, "Template expects the variables {expected}, {given} given")
AUTH_CODE_LENGTH = Refusal(
    BadRequest, "The authentication code is at most {max} characters ({given} given)"
)
AUTH_BUTTONS = Refusal(
    BadRequest,
    "An authentication template takes its code once, in variable: leave button_variables out",
)
HEADER_VALUE_REQUIRED = Refusal(
    BadRequest, "Template has a header variable: pass its value in header_variable"
)
HEADER_VALUE_UNUSED = Refusal(
    BadRequest, "Template has no header variable: leave header_variable out"
)
FILENAME_UNUSED = Refusal(BadRequest, "media_filename is only used with a DOCUMENT header")
# Meta does not send authentication templates to a business-scoped user id (developers.
# facebook.com/documentation/business-messaging/whatsapp/business-scoped-user-ids).
AUTH_NEEDS_PHONE = Refusal(
    BadRequest,
    "Authentication templates can only be sent to a phone number, not a customer_user_id",
)
SEND_REFUSALS = (
    NOT_SENDABLE,
    HEADER_VALUE_REQUIRED,
    HEADER_VALUE_UNUSED,
    FILENAME_UNUSED,
    AUTH_CODE_LENGTH,
    AUTH_BUTTONS,
    VARIABLE_COUNT,
    VALUES_BY_NAME,
    VALUES_IN_ORDER,
    NAMES_MISMATCH,
    BUTTON_COUNT,
    MEDIA_LINK_REQUIRED,
    MEDIA_INVALID,
    gate.OPTED_OUT,
    AUTH_NEEDS_PHONE,
    CUSTOMER_NOT_FOUND,
)


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
                "parameter_format": request.parameter_format.lower(),
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

    phone: str | None
    template_id: str
    variables: variables.Values
    button_values: list[str]
    media_link: str | None
    profile: Profile
    header_value: str | None = None
    media_filename: str | None = None
    # Names a customer known by a BSUID instead of `phone` (who must have written in before).
    user_id: str | None = None


def _check_values(template: Template, values: variables.Values) -> None:
    """Named templates take values by name, each of their names once; the rest in order."""
    if template.parameter_format == variables.NAMED:
        names = variables.names(template.body)
        if isinstance(values, list):
            if values or names:
                raise VALUES_BY_NAME(names=", ".join(names))
            return
        if set(values) != set(names):
            raise NAMES_MISMATCH(
                expected=", ".join(names) or "none", given=", ".join(values) or "none"
            )
        return
    if isinstance(values, dict):
        raise VALUES_IN_ORDER()
    if len(values) != template.body_variables:
        raise VARIABLE_COUNT(expected=template.body_variables, given=len(values))


def _header(template: Template, send: TemplateSend) -> dict[str, Any] | None:
    """The header parameter the template needs: its text variable, or its media (a DOCUMENT
    with the file name the customer sees); refuses what the template does not take."""
    fmt = str((template.header or {}).get("format") or "").upper()
    if send.media_filename and fmt != "DOCUMENT":
        raise FILENAME_UNUSED()
    if fmt == "TEXT" or not fmt:
        names = variables.names(str((template.header or {}).get("text") or ""))
        if names and not send.header_value:
            raise HEADER_VALUE_REQUIRED()
        if send.header_value and not names:
            raise HEADER_VALUE_UNUSED()
        if not names:
            return None
        name = names[0] if template.parameter_format == variables.NAMED else None
        return {"type": "text", "text": send.header_value, "parameter_name": name}
    if send.header_value:
        raise HEADER_VALUE_UNUSED()
    kind = templates_meta.load().media_kind(fmt)
    if kind is None:
        return None
    if not send.media_link:
        raise MEDIA_LINK_REQUIRED(header=indefinite(fmt))
    if not is_http_url(send.media_link):
        raise MEDIA_INVALID(details=["media_link must be an http(s) URL"])
    # A GIF header is sent as Meta's `gif` parameter (an MP4 that plays like a GIF).
    media = {"type": "gif" if fmt == "GIF" else kind, "link": send.media_link}
    if send.media_filename:
        media["filename"] = send.media_filename
    return media


def _check_sendable(template: Template, send: TemplateSend) -> dict[str, Any] | None:
    """Refuse before Meta what Meta would refuse; returns the header parameter, if any."""
    values, buttons = send.variables, send.button_values
    if not templates_meta.load().is_sendable(template.status):
        raise NOT_SENDABLE(status=template.status)
    _check_values(template, values)
    if template.category == auth.AUTHENTICATION:
        limit = templates_meta.load().limits["auth_parameter_length"]
        if isinstance(values, list) and values and len(values[0]) > limit:
            raise AUTH_CODE_LENGTH(max=limit, given=len(values[0]))
        if buttons:
            raise AUTH_BUTTONS()
        return None
    dynamic = rules.variable_buttons(template.buttons or [])
    if len(buttons) != len(dynamic):
        raise BUTTON_COUNT(expected=len(dynamic), given=len(buttons))
    return _header(template, send)


async def _known_by_user_id(
    account_id: uuid.UUID, send: TemplateSend, template: Template
) -> Customer:
    """The customer a send names by BSUID (who must have written in); 400 for an
    authentication template, which Meta sends to phone numbers only."""
    if str(template.category).upper() == "AUTHENTICATION":
        raise AUTH_NEEDS_PHONE()
    return await Recipient(user_id=send.user_id).get(account_id)


async def send_template(sender: Sender, account_id: uuid.UUID, send: TemplateSend) -> Message:
    """Send an approved template; returns the stored message."""
    template = await find_template(account_id, send.template_id)
    header = _check_sendable(template, send)
    await gate.require_marketing_consent(account_id, send.phone, template.category, send.user_id)
    account = await Account.get(id=account_id)
    channel_of(account)
    profile = send.profile
    if send.phone is None:
        known = await _known_by_user_id(account_id, send, template)
        customer = await apply_profile(
            known, sender.clock.now(), failure=PROFILE_INVALID, **asdict(profile)
        )
    else:
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
    button_values = send.button_values
    if template.category == auth.AUTHENTICATION:
        # The code again, as the OTP button's parameter (Meta keeps that button as a URL one).
        dynamic = auth.code_buttons(template.buttons or [])
        button_values = [str(v) for v in send.variables] * len(dynamic)
    values = send.variables
    if isinstance(values, dict):
        # In the template's order of first use, as Meta lists them.
        values = {name: values[name] for name in variables.names(template.body)}
    payload = template_payload(
        address_of(customer),
        template.name,
        template.language,
        header=header,
        body_params=values,
        buttons=[
            {"sub_type": "url", "index": index, "text": value}
            for index, value in zip(dynamic, button_values, strict=True)
        ],
    )
    rendered = rules.render(template.body, send.variables)
    outgoing = Outgoing(
        "template",
        rendered,
        template_id=template.id,
        rendered_body=rendered,
        marketing=str(template.category).upper() == "MARKETING",
    )
    try:
        return await send_outbound(
            sender, account, customer, payload, outgoing, failure_message=SEND_FAILED
        )
    except MumbleError:
        # Meta's 131050 (the user stopped marketing messages) opts the customer out.
        await sources.after_failed_send(account_id, customer.id, template, sender.clock.now())
        raise


async def schedule_template(
    account_id: uuid.UUID, send: TemplateSend, send_at: dt.datetime, now: dt.datetime
) -> ScheduledMessage:
    """Check the send as `send_template` would, then store it for `send_at`."""
    send_at = schedule_rules.check_send_at(send_at, now=now)
    template = await find_template(account_id, send.template_id)
    _check_sendable(template, send)
    await gate.require_marketing_consent(account_id, send.phone, template.category, send.user_id)
    if send.phone is None:
        await _known_by_user_id(account_id, send, template)
    request = asdict(send)
    return await scheduled.create(
        account_id, send.phone, str(template.id), request, send_at, now, user_id=send.user_id
    )


async def send_scheduled(
    sender: Sender,
    account_id: uuid.UUID,
    phone: str | None,
    template_id: str,
    request: dict[str, Any],
) -> int:
    """Make a stored scheduled send now (every rule checked again); the message's id. The
    customer is the stored phone, or else the BSUID the request named."""
    stored = {**request, "phone": phone, "template_id": template_id}
    send = TemplateSend(**{**stored, "profile": Profile(**request["profile"])})
    message = await send_template(sender, account_id, send)
    return int(message.id)
