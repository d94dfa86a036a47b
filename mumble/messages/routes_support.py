"""The support-team messaging API: send-reaction and mark-as-read."""

from __future__ import annotations

from typing import Any

from mumble.channels.errors import META_REFUSALS, failure_refusals
from mumble.channels.lookup import NO_CHANNEL
from mumble.customers.window import WINDOW_CLOSED
from mumble.endpoint import Call, Endpoint, api_route
from mumble.errors import BadRequest
from mumble.messages import reactions
from mumble.messages.flows import Sender
from mumble.messages.replies import TARGET_NOT_FOUND
from mumble.messages.schemas import GET_MESSAGE_LINK, SENT
from mumble.messages.service import MESSAGE_NOT_FOUND
from mumble.models.messages import WAMID_MAX
from mumble.openapi.schema import string, success
from mumble.params import Param, flag, optional_str, phone, required_text

TAG = "Messaging"
# Long enough for any emoji sequence (skin tones, ZWJ families, flags), no more.
EMOJI_MAX = 32
EMOJI_REQUIRED = "emoji is required (an empty emoji removes the reaction)"

REACTION_PHONE = phone()
TARGET = required_text(
    "message_wa_id",
    "Message WhatsApp Id is required",
    max_length=WAMID_MAX,
    description="The wamid of the conversation's message to react to.",
)


def _read_emoji(params: Any) -> str:
    value = optional_str(params, "emoji", max_length=EMOJI_MAX)
    if value is None:
        raise BadRequest(EMOJI_REQUIRED)
    return value.strip()


EMOJI = Param(
    "emoji",
    string("One emoji; an empty string removes the business's reaction.", maxLength=EMOJI_MAX),
    _read_emoji,
    required=True,
    messages=(EMOJI_REQUIRED,),
)

SEND_REACTION = Endpoint(
    "POST",
    "/send-reaction",
    "messages:send",
    "React to a message of the conversation with an emoji (or remove the reaction).",
    TAG,
    SENT,
    params=(REACTION_PHONE, TARGET, EMOJI),
    errors=(
        WINDOW_CLOSED,
        TARGET_NOT_FOUND,
        reactions.ON_A_REACTION,
        NO_CHANNEL,
        *META_REFUSALS,
        *failure_refusals(reactions.REACTION_FAILED),
    ),
    action="send reactions",
    description="Requires an open 24-hour window. The reaction is a message of its own: its "
    "`reply_to` is the message it is on.",
    messaging=True,
    idempotent=True,
    links={"GetMessage": GET_MESSAGE_LINK},
)


async def send_reaction(call: Call) -> dict[str, Any]:
    number = call.arg(REACTION_PHONE)
    message = await reactions.send_reaction(
        Sender.of(call.services), call.account_id, number, call.arg(TARGET), call.arg(EMOJI)
    )
    return {"success": True, "id": message.id, "message_wa_id": message.wamid}


INBOUND_WAMID = required_text(
    "message_wa_id",
    "Message WhatsApp Id is required",
    max_length=WAMID_MAX,
    description="The wamid of a message the customer sent.",
)
TYPING = flag("typing_indicator", description='Also show the customer "typing..." (25 s).')

MARK_AS_READ = Endpoint(
    "POST",
    "/mark-as-read",
    "messages:send",
    "Mark a customer's message as read (blue ticks), optionally showing a typing indicator.",
    TAG,
    success({}),
    params=(INBOUND_WAMID, TYPING),
    errors=(
        MESSAGE_NOT_FOUND,
        reactions.NOT_INBOUND,
        NO_CHANNEL,
        *META_REFUSALS,
        *failure_refusals(reactions.READ_FAILED),
    ),
    action="mark messages as read",
    description="WhatsApp marks the earlier messages of the conversation read as well.",
    messaging=True,
)


async def mark_as_read(call: Call) -> dict[str, Any]:
    await reactions.mark_as_read(
        call.services.graph,
        call.account_id,
        call.arg(INBOUND_WAMID),
        typing=bool(call.arg(TYPING)),
    )
    return {"success": True}


routes = [
    api_route(SEND_REACTION, send_reaction),
    api_route(MARK_AS_READ, mark_as_read),
]
