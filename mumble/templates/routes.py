"""The templates API: get-templates, create-template and the two template sends."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mumble.bots import ownership
from mumble.channels.errors import META_REFUSALS, failure_refusals
from mumble.channels.lookup import NO_CHANNEL, NO_WABA
from mumble.endpoint import Call, Endpoint, api_route
from mumble.errors import BadRequest
from mumble.messages.flows import Sender
from mumble.messages.params import PROFILE, SEND_ERRORS, either, profile_of, recipient_of
from mumble.openapi.schema import array, obj, string, success
from mumble.pacing.errors import MARKETING_HELD
from mumble.params import Param, phone, text, timestamp
from mumble.scheduled import rules as schedule_rules
from mumble.templates import flows, rules, service, variables
from mumble.templates.fields import CREATE_FIELDS, LIMITS, TEMPLATE_ID
from mumble.templates.schemas import CREATED, SENT_OR_SCHEDULED, TEMPLATE
from mumble.text import NUL

TAG = "Templates"
VALUE_MAX = 1024
MEDIA_LINK_MAX = 2000
FILENAME_MAX = 240
VARIABLES_REQUIRED = "Variables are required."

GET_TEMPLATES = Endpoint(
    "GET",
    "/get-templates",
    "templates:read",
    "List all WhatsApp message templates in your account.",
    TAG,
    success({"templates": array(TEMPLATE)}, ("templates",)),
    action="read templates",
)


async def get_templates(call: Call) -> dict[str, Any]:
    return {"success": True, "templates": await service.list_templates(call.account_id)}


CREATE = Endpoint(
    "POST",
    "/create-template",
    "templates:write",
    "Create a new WhatsApp message template (PENDING until Meta approves it).",
    TAG,
    CREATED,
    params=CREATE_FIELDS,
    errors=(
        service.INVALID,
        service.MEDIA_INVALID,
        service.NAME_TAKEN,
        NO_CHANNEL,
        NO_WABA,
        *META_REFUSALS,
    ),
    action="create templates",
    description="Supports body variables (positional or NAMED), a TEXT header with one variable "
    "(its example in header.example), IMAGE, VIDEO, DOCUMENT and (MARKETING) GIF headers, URL, "
    "QUICK_REPLY and PHONE_NUMBER buttons, and AUTHENTICATION templates in Meta's shape (no "
    "body or footer text; add_security_recommendation, code_expiration_minutes 1-90 and one OTP "
    "button: COPY_CODE, ONE_TAP or ZERO_TAP); no MPM, carousels or catalogs. Its success "
    'answer is `{"error": false, ...}` as in the reference.',
)


async def create_template(call: Call) -> dict[str, Any]:
    creator = flows.Creator(
        call.services.graph,
        call.services.http,
        call.settings.whatsapp_app_id,
        call.settings.allow_private_urls,
    )
    template = await flows.create_template(creator, call.account_id, call.params)
    # The reference's success shape for this endpoint is {"error": false, ...}.
    return {
        "error": False,
        "message": "Template created successfully",
        "data": {"id": str(template.id), "meta_id": template.meta_id, "status": template.status},
    }


def _checked(name: str, raw: list[Any]) -> list[str]:
    if not all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in raw):
        raise BadRequest(f"'{name}' must be an array of texts")
    values = [str(v).strip() for v in raw]
    if any(not v for v in values):
        raise BadRequest(f"'{name}' values must not be empty")
    if any(len(v) > VALUE_MAX for v in values):
        raise BadRequest(f"'{name}' values are at most {VALUE_MAX} characters")
    if any(NUL in v for v in values):
        raise BadRequest(f"'{name}' values must not contain NUL characters")
    return values


def _listed(raw: Any) -> Any:
    if isinstance(raw, str | int | float) and not isinstance(raw, bool):
        return [raw]
    return raw


def _texts(name: str) -> Param[list[str] | None]:
    """A list of texts from JSON, a JSON text (form posts) or one plain text; None when absent."""

    def read(params: Mapping[str, Any]) -> list[str] | None:
        raw = _listed(rules.json_value(params.get(name)))
        if raw is None or raw == "" or raw == []:
            return None
        if not isinstance(raw, list):
            raise BadRequest(f"'{name}' must be an array of texts")
        return _checked(name, raw)

    schema = array(string(maxLength=VALUE_MAX), "Texts (numbers are taken as text).")
    return Param(name, schema, read)


def _variables(name: str) -> Param[variables.Values | None]:
    """Values in order (an array) or, for NAMED templates, by name (an object); None when absent."""

    def read(params: Mapping[str, Any]) -> variables.Values | None:
        raw = _listed(rules.json_value(params.get(name)))
        if raw is None or raw == "" or raw == [] or raw == {}:
            return None
        if isinstance(raw, dict):
            if not all(isinstance(k, str) and k.strip() for k in raw):
                raise BadRequest(f"'{name}' names must be non-empty texts")
            keys = [k.strip() for k in raw]
            return dict(zip(keys, _checked(name, list(raw.values())), strict=True))
        if not isinstance(raw, list):
            raise BadRequest(f"'{name}' must be an array of texts or an object of names to texts")
        return _checked(name, raw)

    value_schema = string(maxLength=VALUE_MAX)
    schema = {
        "oneOf": [
            array(value_schema, "Positional templates: the values of {{1}}, {{2}}, ... in order."),
            obj({}, description='NAMED templates: {"first_name": "Ann", ...}.')
            | {"additionalProperties": value_schema},
        ],
        "description": "Numbers are taken as text.",
    }
    return Param(name, schema, read)


PHONE, USER_ID = either(phone())
VARIABLES = _variables("variable")
REQUIRED_VARIABLES = Param(
    VARIABLES.name,
    VARIABLES.schema,
    VARIABLES.read,
    required=True,
    messages=(VARIABLES_REQUIRED,),
)
BUTTON_VALUES = _texts("button_variables")
MEDIA_LINK = text(
    "media_link",
    max_length=MEDIA_LINK_MAX,
    description="The header's media for IMAGE/VIDEO/GIF/DOCUMENT headers.",
)
HEADER_VALUE = text(
    "header_variable",
    max_length=LIMITS["header_text_length"],
    description="The value of a TEXT header's one variable.",
)
MEDIA_FILENAME = text(
    "media_filename",
    max_length=FILENAME_MAX,
    description="DOCUMENT headers: the file name the customer sees.",
)
SEND_AT = timestamp(
    "send_at",
    description="Send later, at this RFC 3339 time (in the future, at most 30 days ahead); "
    "absent: now.",
)
_SEND_FIELDS = (
    PHONE,
    USER_ID,
    TEMPLATE_ID,
    BUTTON_VALUES,
    MEDIA_LINK,
    HEADER_VALUE,
    MEDIA_FILENAME,
    *PROFILE,
    SEND_AT,
)
_SEND_REFUSALS = (
    service.TEMPLATE_NOT_FOUND,
    *schedule_rules.REFUSALS,
    *flows.SEND_REFUSALS,
    *SEND_ERRORS,
    MARKETING_HELD,
    *failure_refusals(flows.SEND_FAILED),
)


async def _send(
    call: Call, values_param: Param[variables.Values | None], required: bool
) -> dict[str, Any]:
    to = recipient_of(call, PHONE)
    template_id = call.arg(TEMPLATE_ID)
    values = call.arg(values_param)
    if required and values is None:
        raise BadRequest(VARIABLES_REQUIRED)
    button_values = call.arg(BUTTON_VALUES)
    send = flows.TemplateSend(
        phone=to.phone,
        user_id=to.user_id,
        template_id=template_id,
        variables=values or [],
        button_values=button_values or [],
        media_link=call.arg(MEDIA_LINK),
        header_value=call.arg(HEADER_VALUE),
        media_filename=call.arg(MEDIA_FILENAME),
        profile=profile_of(call),
    )
    send_at = call.arg(SEND_AT)
    if send_at is not None:
        row = await flows.schedule_template(call.account_id, send, send_at, call.now())
        return {"success": True, "message": "Template message scheduled", "id": str(row.id)}
    message = await flows.send_template(Sender.of(call.services), call.account_id, send)
    await ownership.after_human_send(call.account_id, message.customer_id, call.now())  # type: ignore[attr-defined]
    return {
        "success": True,
        "message": "Template message sent successfully",
        "id": message.id,
        "message_wa_id": message.wamid,
    }


SEND = Endpoint(
    "POST",
    "/send-template",
    "templates:send",
    "Send an approved message template.",
    TAG,
    SENT_OR_SCHEDULED,
    params=(*_SEND_FIELDS, VARIABLES),
    errors=_SEND_REFUSALS,
    action="send templates",
    description="Starts a conversation outside the 24-hour window. With `send_at` the send is "
    "checked now and stored; it goes out once at that time (see get-scheduled-messages).",
    messaging=True,
    idempotent=True,
)


async def send_template(call: Call) -> dict[str, Any]:
    return await _send(call, VARIABLES, required=False)


SEND_WITH_VARIABLES = Endpoint(
    "POST",
    "/send-template-text-variable",
    "templates:send",
    "Send an approved template that has body variables ({{1}}, {{2}}, ...).",
    TAG,
    SENT_OR_SCHEDULED,
    params=(*_SEND_FIELDS, REQUIRED_VARIABLES),
    errors=_SEND_REFUSALS,
    action="send templates",
    description="Pass the variable values in order. `send_at` schedules it as on send-template.",
    messaging=True,
    idempotent=True,
)


async def send_template_text_variable(call: Call) -> dict[str, Any]:
    return await _send(call, REQUIRED_VARIABLES, required=True)


routes = [
    api_route(GET_TEMPLATES, get_templates),
    api_route(CREATE, create_template),
    api_route(SEND, send_template),
    api_route(SEND_WITH_VARIABLES, send_template_text_variable),
]
