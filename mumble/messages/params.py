"""What every send shares: whom it names (`customer_phone` or `customer_user_id`, read here for
every endpoint that names a customer), the customer fields it may carry, and the refusals it
may answer."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from mumble.channels.errors import META_REFUSALS
from mumble.channels.lookup import NO_CHANNEL
from mumble.customers.fields import EMAIL_MAX
from mumble.customers.recipient import Recipient
from mumble.customers.service import BOT_NOT_FOUND
from mumble.endpoint import Call
from mumble.errors import BadRequest
from mumble.messages.flows import PROFILE_INVALID, Profile
from mumble.models.customers import BSUID_MAX
from mumble.openapi.schema import string
from mumble.pacing.errors import PACED
from mumble.params import Param, optional_str, text
from mumble.whatsapp.payloads import is_user_id

BOTH_NAMED = "Give customer_phone or customer_user_id, not both"
BAD_USER_ID = "customer_user_id must be a business-scoped user id such as US.13491208655302741918"


def _read_user_id(params: Mapping[str, Any]) -> str | None:
    value = optional_str(params, "customer_user_id", max_length=BSUID_MAX, allow_empty=False)
    if value is None or not value.strip():
        return None
    if not is_user_id(value.strip()):
        raise BadRequest(BAD_USER_ID)
    return value.strip()


USER_ID = Param(
    "customer_user_id",
    string(
        "The customer's business-scoped user id (BSUID), for a user known without a phone "
        "number; give it instead of customer_phone.",
        maxLength=BSUID_MAX,
        examples=["US.13491208655302741918"],
    ),
    _read_user_id,
    messages=(BOTH_NAMED, BAD_USER_ID),
)


def either(phone: Param[str]) -> tuple[Param[str], Param[str | None]]:
    """The phone parameter, no longer required on its own, and customer_user_id beside it."""
    return dataclasses.replace(phone, required=False), USER_ID


def user_id_of(call: Call, phone_name: str = "customer_phone") -> str | None:
    """The customer_user_id the request names (a malformed one is a 400), or None when it
    names none; naming a phone too is a 400."""
    user_id = call.arg(USER_ID)
    raw_phone = call.params.get(phone_name)
    if user_id is not None and raw_phone is not None and str(raw_phone).strip():
        raise BadRequest(BOTH_NAMED)
    return user_id


def recipient_of(call: Call, phone: Param[str]) -> Recipient:
    """Whom the request names: customer_user_id, or else the phone (whose own message, the
    contract's, answers when neither is given); both at once is a 400."""
    user_id = user_id_of(call, phone.name)
    if user_id is not None:
        return Recipient(user_id=user_id)
    return Recipient(phone=call.arg(phone))


NAME = text("name", description="The customer's name (applied when the customer is created).")
EMAIL = text(
    "email",
    max_length=EMAIL_MAX,
    description="The customer's email address (applied when the customer is created).",
)
SOURCE = text("source", description="Where the customer came from.")
BOT_TOKEN = text("bot_token", description="A bot id, `AI` or `turn_off`.")
PROFILE = (NAME, EMAIL, SOURCE, BOT_TOKEN)
# Beyond its own parameters, a send may be refused for its profile fields, a missing channel,
# or by Meta.
SEND_ERRORS = (BOT_NOT_FOUND, PROFILE_INVALID, NO_CHANNEL, *META_REFUSALS, PACED)


def profile_of(call: Call) -> Profile:
    """The profile fields the send carried."""
    return Profile(
        name=call.arg(NAME),
        email=call.arg(EMAIL),
        source=call.arg(SOURCE),
        bot_token=call.arg(BOT_TOKEN),
    )
