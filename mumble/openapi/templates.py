"""OpenAPI descriptions of the templates endpoints."""

from __future__ import annotations

from mumble.openapi.spec import (
    PHONE,
    PROFILE,
    Op,
    Schema,
    array,
    boolean,
    integer,
    nullable,
    obj,
    string,
    success,
)

_BUTTON = obj(
    {
        "type": string(examples=["URL", "QUICK_REPLY", "PHONE_NUMBER"]),
        "text": string(),
        "url": string("URL buttons: may end in {{1}}."),
        "example": string("URL buttons with a variable: an example value."),
        "phone_number": string("PHONE_NUMBER buttons."),
    },
    ("type", "text"),
)
TEMPLATE = obj(
    {
        "id": string(),
        "meta_id": nullable(string()),
        "name": string(),
        "language": string(),
        "category": string(),
        "status": string(examples=["PENDING", "APPROVED", "REJECTED"]),
        "rejection_reason": nullable(string()),
        "status_note": nullable(string()),
        "quality_score": nullable(string()),
        "body": nullable(string()),
        "header": nullable(obj({"format": string()})),
        "footer": nullable(string()),
        "buttons": array(
            obj({"index": integer(), "takes_variable": boolean()}, ("index", "takes_variable"))
        ),
        "body_variables": integer(minimum=0),
        "button_variables": integer(minimum=0),
        "variable_buttons": array(integer()),
        "origin": nullable(string()),
        "created_at": nullable(string()),
        "updated_at": nullable(string()),
    },
    ("id", "name", "language", "category", "status"),
)

_VALUES = array(string(maxLength=1024), "Texts (numbers are taken as text).")
_SEND_FIELDS: dict[str, Schema] = {
    "customer_phone": PHONE,
    "template_id": string("Our template id or Meta's, from get-templates.", maxLength=100),
    "button_variables": _VALUES,
    "media_link": string("The header's media for IMAGE/VIDEO/DOCUMENT headers.", maxLength=2000),
    **PROFILE,
}
_SEND_ERRORS: dict[int, tuple[str, ...]] = {
    404: ("Customer not found", "Template not found"),
    409: ("Idempotency-Key was already used with a different request",),
    429: ("WhatsApp rate limit",),
    502: ("The WhatsApp Cloud API failed the send",),
}
_SENT = success(
    {
        "message": string(examples=["Template message sent successfully"]),
        "id": integer(),
        "message_wa_id": nullable(string()),
    },
    ("message", "id", "message_wa_id"),
)

OPS: dict[str, Op] = {
    "/get-templates": Op(
        "List all WhatsApp message templates in your account.",
        "Templates",
        success({"templates": array(TEMPLATE)}, ("templates",)),
    ),
    "/create-template": Op(
        "Create a new WhatsApp message template (PENDING until Meta approves it).",
        "Templates",
        obj(
            {
                "error": {"const": False},
                "message": string(examples=["Template created successfully"]),
                "data": obj(
                    {"id": string(), "meta_id": nullable(string()), "status": string()},
                    ("id", "status"),
                ),
            },
            ("error", "message", "data"),
        ),
        {
            "name": string("Lower case letters, digits and underscores.", maxLength=512),
            "language": string("e.g. en_US, he."),
            "category": string(enum=["MARKETING", "UTILITY", "AUTHENTICATION"]),
            "template_type": string("`custom` for standard templates."),
            "body": string("Body text with {{1}}, {{2}}, ... variables.", maxLength=1024),
            "body_examples": array(string()),
            "header": obj({"format": string(enum=["IMAGE", "VIDEO", "DOCUMENT", "AUDIO"])}),
            "footer": string(maxLength=60),
            "buttons": array(_BUTTON),
            "media_url": string("The header's sample media (media headers)."),
        },
        ("name", "language", "category", "body"),
        {
            400: (
                "Template name is required",
                "Body text is required",
                "Invalid template configuration",
                "Media link is not valid",
            ),
            409: ("Template name already exists",),
            429: ("WhatsApp rate limit",),
            502: ("The WhatsApp Cloud API failed the call",),
        },
        "Supports body variables, media headers and URL, QUICK_REPLY and PHONE_NUMBER buttons; "
        "no header variables, MPM, carousels or catalogs. Its success answer is "
        '`{"error": false, ...}` as in the reference.',
    ),
    "/send-template": Op(
        "Send an approved message template.",
        "Templates",
        _SENT,
        _SEND_FIELDS,
        ("customer_phone", "template_id"),
        {400: ("Phone number is required.", "Template ID is required."), **_SEND_ERRORS},
        "Starts a conversation outside the 24-hour window.",
        idempotent=True,
    ),
    "/send-template-text-variable": Op(
        "Send an approved template that has body variables ({{1}}, {{2}}, ...).",
        "Templates",
        _SENT,
        {**_SEND_FIELDS, "variable": _VALUES},
        ("customer_phone", "template_id", "variable"),
        {
            400: (
                "Phone number is required.",
                "Template ID is required.",
                "Variables are required.",
            ),
            **_SEND_ERRORS,
        },
        "Pass the variable values in order.",
        idempotent=True,
    ),
}
