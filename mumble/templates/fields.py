"""The fields of create-template (and edit-template), declared once for both endpoints.

create-template's body is read whole by `rules.read_request` (it reports every problem), so these
declarations document it and carry the contract's messages.
"""

from __future__ import annotations

import templates_meta
from mumble.openapi.schema import array, boolean, integer, obj, string
from mumble.params import required_text, value
from mumble.templates import rules
from mumble.templates.schemas import BUTTON

BOOK = templates_meta.load()
LIMITS = BOOK.limits
CREATE_FIELDS = (
    value(
        "name",
        string(
            "Lower case letters, digits and underscores.", maxLength=BOOK.raw["name"]["max_length"]
        ),
        required=True,
        messages=(rules.NAME_REQUIRED.message,),
    ),
    value("language", string("e.g. en_US, he."), required=True),
    value("category", string(enum=list(BOOK.categories)), required=True),
    value("template_type", string("`custom` for standard templates.")),
    value(
        "body",
        string(
            "Body text with {{1}}, {{2}}, ... (or, NAMED, {{first_name}}) variables. "
            "Not for AUTHENTICATION templates: Meta writes their body.",
            maxLength=LIMITS["body_length"],
        ),
        required=True,
        messages=(rules.BODY_REQUIRED.message,),
    ),
    value(
        "parameter_format",
        string("`NAMED` for {{first_name}} variables.", enum=["POSITIONAL", "NAMED"]),
    ),
    value(
        "body_examples",
        {
            "oneOf": [
                array(string(), "Positional: one example per variable, in order."),
                obj({}, description='NAMED: {"first_name": "Ann", ...}.')
                | {"additionalProperties": string()},
            ]
        },
    ),
    value(
        "header",
        obj(
            {
                "format": string(enum=sorted(BOOK.raw["header_formats"])),
                "text": string("TEXT headers, with at most one variable."),
                "example": string("The example of a TEXT header's variable."),
            }
        ),
    ),
    value("footer", string(maxLength=LIMITS["footer_length"])),
    value("buttons", array(BUTTON)),
    value("media_url", string("The header's sample media (media headers).")),
    value(
        "add_security_recommendation",
        boolean("AUTHENTICATION: add Meta's 'For your security, do not share this code.'"),
    ),
    value(
        "code_expiration_minutes",
        integer(
            "AUTHENTICATION: Meta's expiry warning in the footer.",
            minimum=LIMITS["auth_code_expiration_minutes"]["min"],
            maximum=LIMITS["auth_code_expiration_minutes"]["max"],
        ),
    ),
)

TEMPLATE_ID_MAX = 100
TEMPLATE_ID = required_text(
    "template_id",
    "Template ID is required.",
    max_length=TEMPLATE_ID_MAX,
    description="Our template id or Meta's, from get-templates.",
)
