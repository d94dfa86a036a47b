"""The consent API: get-consent and set-consent."""

from __future__ import annotations

from typing import Any

from mumble.consent import ledger
from mumble.customers.changes import CUSTOMER_NOT_FOUND
from mumble.customers.schemas import CONSENT
from mumble.endpoint import Call, Endpoint, api_route
from mumble.messages.params import either, recipient_of
from mumble.models import Consent
from mumble.openapi.schema import boolean, nullable, string, success
from mumble.params import phone, required_text, text

TAG = "Consent"
# The customer is named by phone or by business-scoped user id.
PHONE, USER_ID = either(phone())
MARKETING_REQUIRED = "'marketing' is required (opted_in, opted_out or unknown)."
MARKETING = required_text(
    "marketing",
    MARKETING_REQUIRED,
    max_length=16,
    description="The customer's marketing consent.",
    enum=[state.value for state in Consent],
)
SOURCE = text(
    "source",
    max_length=ledger.SOURCE_MAX,
    description="Where the consent was given or withdrawn (e.g. `checkout form`); default `api`.",
)

GET_CONSENT = Endpoint(
    "GET",
    "/get-consent",
    "consent:read",
    "Get a customer's marketing consent.",
    TAG,
    success(
        {
            "customer_phone": nullable(string("Null for a customer known only by a BSUID.")),
            "customer_user_id": nullable(string("The customer's BSUID, when known.")),
            "consent": CONSENT,
        },
        ("customer_phone", "consent"),
    ),
    params=(PHONE, USER_ID),
    errors=(CUSTOMER_NOT_FOUND,),
    description="`unknown` until the customer opts in or out (by the API, a STOP/START keyword, "
    "WhatsApp's own marketing preference, or Meta refusing a marketing send with 131050).",
)


async def get_consent(call: Call) -> dict[str, Any]:
    customer = await recipient_of(call, PHONE).get(call.account_id)
    return {
        "success": True,
        "customer_phone": customer.phone,
        "customer_user_id": customer.bsuid,
        "consent": ledger.view_of(customer),
    }


SET_CONSENT = Endpoint(
    "POST",
    "/set-consent",
    "consent:write",
    "Record a customer's marketing consent.",
    TAG,
    success(
        {
            "message": string(examples=["Consent updated"]),
            "changed": boolean("False when the consent already had this state (kept as it was)."),
            "consent": CONSENT,
        },
        ("message", "changed", "consent"),
    ),
    params=(PHONE, USER_ID, MARKETING, SOURCE),
    errors=(CUSTOMER_NOT_FOUND, ledger.INVALID_STATE),
    description="A change records `customer.consent_changed` and moves the customer's "
    "`updated_at`; setting the state it already has changes nothing. `opted_out` stops "
    "MARKETING templates to the customer; UTILITY and AUTHENTICATION templates and service "
    "messages are unaffected.",
)


async def set_consent(call: Call) -> dict[str, Any]:
    marketing = ledger.parse_state(call.arg(MARKETING))
    source = call.arg(SOURCE) or ledger.API_SOURCE
    changed, consent = await ledger.set_consent(
        call.account_id, recipient_of(call, PHONE), marketing, source, call.now()
    )
    return {"success": True, "message": "Consent updated", "changed": changed, "consent": consent}


routes = [
    api_route(GET_CONSENT, get_consent),
    api_route(SET_CONSENT, set_consent),
]
