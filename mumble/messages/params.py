"""What every send shares: the customer fields it may carry, and the refusals it may answer."""

from __future__ import annotations

from mumble.channels.errors import META_REFUSALS
from mumble.channels.lookup import NO_CHANNEL
from mumble.customers.fields import EMAIL_MAX
from mumble.customers.service import BOT_NOT_FOUND
from mumble.endpoint import Call
from mumble.messages.flows import PROFILE_INVALID, Profile
from mumble.params import text

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
SEND_ERRORS = (BOT_NOT_FOUND, PROFILE_INVALID, NO_CHANNEL, *META_REFUSALS)


def profile_of(call: Call) -> Profile:
    """The profile fields the send carried."""
    return Profile(
        name=call.arg(NAME),
        email=call.arg(EMAIL),
        source=call.arg(SOURCE),
        bot_token=call.arg(BOT_TOKEN),
    )
