"""send-template and send-template-text-variable: checked before Meta, sent through the pipeline.

Reads top to bottom: read the request -> find the template in this account -> refuse anything
but APPROVED, a variable or button-variable count that does not match, a missing or non-http(s)
media link -> ensure the customer -> MESSAGING's `send_outbound` (no 24-hour window check:
templates may start a conversation). The stored message keeps the template id and the rendered
body. Facts: shared/docs/whatsapp-cloud-api.md §1.4, §2.2 (132xxx).
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

import templates_meta
from mumble.customers.service import ensure_customer
from mumble.errors import BadRequest
from mumble.messages.service import send_outbound
from mumble.models import Account, Template
from mumble.params import optional_str, required_phone, required_str
from mumble.templates import rules
from mumble.templates.service import find_template
from mumble.whatsapp.client import Channel
from mumble.whatsapp.payloads import template_payload

SEND_FAILED = "Failed to send template message."
VALUE_MAX = 1024


def _values(params: dict[str, Any], name: str) -> list[str] | None:
    """A list of texts from JSON, a JSON text (form posts) or one plain text; None when absent."""
    raw = rules.json_value(params.get(name))
    if raw is None or raw == "" or raw == []:
        return None
    if isinstance(raw, str | int | float) and not isinstance(raw, bool):
        raw = [raw]
    if not isinstance(raw, list) or not all(
        isinstance(v, str | int | float) and not isinstance(v, bool) for v in raw
    ):
        raise BadRequest(f"'{name}' must be an array of texts")
    values = [str(v).strip() for v in raw]
    if any(not v for v in values):
        raise BadRequest(f"'{name}' values must not be empty")
    if any(len(v) > VALUE_MAX for v in values):
        raise BadRequest(f"'{name}' values are at most {VALUE_MAX} characters")
    if any("\x00" in v for v in values):
        # PostgreSQL text cannot hold NUL: the rendered body would fail to store (a 500 before).
        raise BadRequest(f"'{name}' values must not contain NUL characters")
    return values


def _check_sendable(
    template: Template, variables: list[str], buttons: list[str], media_link: str | None
) -> dict[str, Any] | None:
    """Refuse before Meta what Meta would refuse; returns the header parameter, if any."""
    if not templates_meta.load().is_sendable(template.status):
        raise BadRequest(
            f"Template is {template.status} and cannot be sent "
            "(only APPROVED templates can be sent)"
        )
    if len(variables) != template.body_variables:
        raise BadRequest(
            f"Template expects {template.body_variables} variable(s), {len(variables)} given"
        )
    dynamic = rules.variable_buttons(template.buttons or [])
    if len(buttons) != len(dynamic):
        raise BadRequest(
            f"Template expects {len(dynamic)} button variable(s), {len(buttons)} given"
        )
    fmt = str((template.header or {}).get("format") or "").upper()
    kind = templates_meta.load().media_kind(fmt) if fmt else None
    if kind is None:
        return None
    if not media_link:
        raise BadRequest(f"Media link is required for a template with a {fmt} header")
    try:
        parts = urlsplit(media_link)
    except ValueError:  # an unclosed IPv6 bracket (a 500 before)
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadRequest("Media link is not valid", details=["media_link must be an http(s) URL"])
    return {"type": kind, "link": media_link}


async def send_template(
    state: Any, account_id: uuid.UUID, params: dict[str, Any], *, with_variables: bool
) -> dict[str, Any]:
    """Send an approved template; returns the stored message's id and wamid."""
    phone = required_phone(params)
    raw_id = required_str(params, "template_id", "Template ID is required.", max_length=100)
    variables = _values(params, "variable")
    if with_variables and variables is None:
        raise BadRequest("Variables are required.")
    button_values = _values(params, "button_variables") or []
    media_link = optional_str(params, "media_link", max_length=2000, allow_empty=False)
    template = await find_template(account_id, raw_id)
    header = _check_sendable(template, variables or [], button_values, media_link)
    account = await Account.get(id=account_id)
    Channel.of(account)
    customer = await ensure_customer(
        account_id,
        phone,
        name=optional_str(params, "name", allow_empty=False),
        email=optional_str(params, "email", max_length=254, allow_empty=False),
        source=optional_str(params, "source", allow_empty=False),
        bot_token=optional_str(params, "bot_token", allow_empty=False),
    )
    dynamic = rules.variable_buttons(template.buttons or [])
    payload = template_payload(
        phone,
        template.name,
        template.language,
        header=header,
        body_params=variables or [],
        buttons=[
            {"sub_type": "url", "index": index, "text": value}
            for index, value in zip(dynamic, button_values, strict=True)
        ],
    )
    rendered = rules.render(template.body, variables or [])
    message = await send_outbound(
        state,
        account,
        customer,
        payload,
        kind="template",
        text=rendered,
        failure_message=SEND_FAILED,
        template_id=template.id,
        rendered_body=rendered,
    )
    return {"id": message.id, "message_wa_id": message.wamid}
