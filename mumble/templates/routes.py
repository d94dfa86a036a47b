"""The templates API: get-templates, create-template and the two template sends."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import templates_meta
from mumble.channels.errors import META_REFUSALS, failure_refusals
from mumble.channels.lookup import NO_CHANNEL, NO_WABA
from mumble.endpoint import Call, Endpoint, api_route
from mumble.errors import BadRequest
from mumble.messages.flows import Sender
from mumble.messages.params import PROFILE, SEND_ERRORS, either, profile_of, recipient_of
from mumble.openapi.schema import array, obj, string, success
from mumble.params import Param, phone, required_text, text, value
from mumble.templates import flows, rules, service
from mumble.templates.schemas import BUTTON, CREATED, SENT, TEMPLATE
from mumble.text import NUL

TAG = "Templates"
VALUE_MAX = 1024
MEDIA_LINK_MAX = 2000
TEMPLATE_ID_MAX = 100
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


_BOOK = templates_meta.load()
_LIMITS = _BOOK.limits
# create-template's body is read whole by `rules.read_request` (it reports every problem).
_CREATE_FIELDS = (
    value(
        "name",
        string(
            "Lower case letters, digits and underscores.", maxLength=_BOOK.raw["name"]["max_length"]
        ),
        required=True,
        messages=(rules.NAME_REQUIRED.message,),
    ),
    value("language", string("e.g. en_US, he."), required=True),
    value("category", string(enum=list(_BOOK.categories)), required=True),
    value("template_type", string("`custom` for standard templates.")),
    value(
        "body",
        string("Body text with {{1}}, {{2}}, ... variables.", maxLength=_LIMITS["body_length"]),
        required=True,
        messages=(rules.BODY_REQUIRED.message,),
    ),
    value("body_examples", array(string())),
    value(
        "header",
        obj({"format": string(enum=sorted(_BOOK.raw["header_formats"]))}),
    ),
    value("footer", string(maxLength=_LIMITS["footer_length"])),
    value("buttons", array(BUTTON)),
    value("media_url", string("The header's sample media (media headers).")),
)

CREATE = Endpoint(
    "POST",
    "/create-template",
    "templates:write",
    "Create a new WhatsApp message template (PENDING until Meta approves it).",
    TAG,
    CREATED,
    params=_CREATE_FIELDS,
    errors=(
        service.INVALID,
        service.MEDIA_INVALID,
        service.NAME_TAKEN,
        NO_CHANNEL,
        NO_WABA,
        *META_REFUSALS,
    ),
    action="create templates",
    description="Supports body variables, media headers and URL, QUICK_REPLY and PHONE_NUMBER "
    "buttons; no header variables, MPM, carousels or catalogs. Its success answer is "
    '`{"error": false, ...}` as in the reference.',
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


def _texts(name: str) -> Param[list[str] | None]:
    """A list of texts from JSON, a JSON text (form posts) or one plain text; None when absent."""
    not_texts = f"'{name}' must be an array of texts"

    def read(params: Mapping[str, Any]) -> list[str] | None:
        raw = rules.json_value(params.get(name))
        if raw is None or raw == "" or raw == []:
            return None
        if isinstance(raw, str | int | float) and not isinstance(raw, bool):
            raw = [raw]
        if not isinstance(raw, list) or not all(
            isinstance(v, str | int | float) and not isinstance(v, bool) for v in raw
        ):
            raise BadRequest(not_texts)
        values = [str(v).strip() for v in raw]
        if any(not v for v in values):
            raise BadRequest(f"'{name}' values must not be empty")
        if any(len(v) > VALUE_MAX for v in values):
            raise BadRequest(f"'{name}' values are at most {VALUE_MAX} characters")
        if any(NUL in v for v in values):
            raise BadRequest(f"'{name}' values must not contain NUL characters")
        return values

    schema = array(string(maxLength=VALUE_MAX), "Texts (numbers are taken as text).")
    return Param(name, schema, read)


PHONE, USER_ID = either(phone())
TEMPLATE_ID = required_text(
    "template_id",
    "Template ID is required.",
    max_length=TEMPLATE_ID_MAX,
    description="Our template id or Meta's, from get-templates.",
)
VARIABLES = _texts("variable")
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
    description="The header's media for IMAGE/VIDEO/DOCUMENT headers.",
)
_SEND_FIELDS = (PHONE, USER_ID, TEMPLATE_ID, BUTTON_VALUES, MEDIA_LINK, *PROFILE)
_SEND_REFUSALS = (
    service.TEMPLATE_NOT_FOUND,
    *flows.SEND_REFUSALS,
    *SEND_ERRORS,
    *failure_refusals(flows.SEND_FAILED),
)


async def _send(call: Call, variables: Param[list[str] | None], required: bool) -> dict[str, Any]:
    to = recipient_of(call, PHONE)
    template_id = call.arg(TEMPLATE_ID)
    values = call.arg(variables)
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
        profile=profile_of(call),
    )
    message = await flows.send_template(Sender.of(call.services), call.account_id, send)
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
    SENT,
    params=(*_SEND_FIELDS, VARIABLES),
    errors=_SEND_REFUSALS,
    action="send templates",
    description="Starts a conversation outside the 24-hour window.",
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
    SENT,
    params=(*_SEND_FIELDS, REQUIRED_VARIABLES),
    errors=_SEND_REFUSALS,
    action="send templates",
    description="Pass the variable values in order.",
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
