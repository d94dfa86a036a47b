"""The template object as get-templates shows it, and the answers of the template endpoints."""

from __future__ import annotations

from mumble.openapi.schema import array, boolean, integer, nullable, obj, string, success

BUTTON = obj(
    {
        "type": string(examples=["URL", "QUICK_REPLY", "PHONE_NUMBER", "OTP"]),
        "text": string(),
        "url": string("URL buttons: may end in {{1}}."),
        "example": string("URL buttons with a variable: an example value."),
        "phone_number": string("PHONE_NUMBER buttons."),
        "otp_type": string("OTP buttons: COPY_CODE, ONE_TAP or ZERO_TAP."),
        "autofill_text": string("ONE_TAP buttons."),
        "supported_apps": array(
            obj({"package_name": string(), "signature_hash": string()}),
            "ONE_TAP and ZERO_TAP buttons: the Android apps that may autofill the code.",
        ),
    },
    ("type",),
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
        "parameter_format": string(enum=["POSITIONAL", "NAMED"]),
        "variables": array(
            string(), "The body's variables in order: 1, 2, ... or, for NAMED, their names."
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
CREATED = obj(
    {
        "error": {"const": False},
        "message": string(examples=["Template created successfully"]),
        "data": obj(
            {"id": string(), "meta_id": nullable(string()), "status": string()},
            ("id", "status"),
        ),
    },
    ("error", "message", "data"),
)
SENT = success(
    {
        "message": string(examples=["Template message sent successfully"]),
        "id": integer(),
        "message_wa_id": nullable(string()),
    },
    ("message", "id", "message_wa_id"),
)

SCHEDULED = success(
    {
        "message": string(examples=["Template message scheduled"]),
        "id": string("The scheduled send's id (get-scheduled-messages).", format="uuid"),
    },
    ("message", "id"),
)
# send-template answers SENT, or SCHEDULED when given `send_at`.
SENT_OR_SCHEDULED = {"anyOf": [SENT, SCHEDULED]}
