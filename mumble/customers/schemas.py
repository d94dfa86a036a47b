"""The customer object as the API shows it, and the documented shape of a customer body."""

from __future__ import annotations

from typing import Any

from mumble.customers import fields
from mumble.models.states import BotMode, Consent
from mumble.openapi.schema import Schema, array, nullable, obj, string
from mumble.params import PHONE_SCHEMA

_REF = obj({"id": string(), "name": nullable(string())}, ("id", "name"))

CONSENT = obj(
    {
        "marketing": string(enum=[state.value for state in Consent]),
        "source": nullable(
            string(
                "Where it came from: the API's `source`, `stop_keyword`, `start_keyword`, "
                "`whatsapp_preferences` or `meta_error_131050`."
            )
        ),
        "changed_at": nullable(string("When it last changed (RFC 3339).", format="date-time")),
    },
    ("marketing", "source", "changed_at"),
    "Marketing consent: MARKETING templates are never sent to an `opted_out` customer.",
)

CUSTOMER = obj(
    {
        "id": string(format="uuid"),
        "name": nullable(string()),
        "phone": nullable(string(examples=["972501234567"])),
        "user_id": nullable(
            string(
                "The business-scoped user id (BSUID) WhatsApp gave this person, once known.",
                examples=["US.13491208655302741918"],
            )
        ),
        "email": nullable(string()),
        "country": nullable(string("ISO 3166 region of the phone number.")),
        "conversation_status": string(enum=list(fields.CONVERSATION_STATUSES)),
        "last_interaction": nullable(string("UTC, `YYYY-MM-DDTHH:MM:SS`.")),
        "source": nullable(string()),
        "agent": nullable(_REF),
        "team": nullable(_REF),
        "bot": nullable(
            obj(
                {
                    "type": string(enum=[mode.token for mode in BotMode]),
                    "id": nullable(string()),
                    "name": nullable(string()),
                },
                ("type",),
            )
        ),
        "labels": array(string()),
        "attribution": obj({}, description="Marketing attribution fields that were sent."),
        "custom_fields": obj(
            {}, description=f"Custom fields (at most {fields.MAX_CUSTOM_FIELDS} names per account)."
        ),
        "consent": CONSENT,
        "created_at": nullable(string()),
    },
    ("id", "phone", "conversation_status"),
)

# add-new-customer / edit-customer: the standard fields, then every attribution field.
BODY_FIELDS: dict[str, Schema] = {
    "customer_phone": PHONE_SCHEMA,
    "name": nullable(string(maxLength=fields.NAME_MAX)),
    "email": nullable(string(maxLength=fields.EMAIL_MAX)),
    "source": nullable(string(maxLength=fields.SOURCE_MAX)),
    "bot_token": nullable(string("A bot id, `AI` or `turn_off`.", maxLength=fields.BOT_TOKEN_MAX)),
    **{
        name: nullable(string("Marketing attribution.", maxLength=fields.ATTRIBUTION_VALUE_MAX))
        for name in fields.ATTRIBUTION_FIELDS
    },
}
CUSTOM_VALUE: Schema = {
    "description": "Any other key is a custom field: a string, number, boolean or null.",
    "type": ["string", "number", "boolean", "null"],
}
WARNINGS = array(
    string(),
    "Present when a new custom field's name looks like a standard or attribution field's "
    "(`utm_sorce`): each warning names the field probably meant. The value was stored as sent.",
)


def with_warnings(warnings: list[str]) -> dict[str, Any]:
    """The answer's `warnings` member, only when there is one to give."""
    return {"warnings": warnings} if warnings else {}
