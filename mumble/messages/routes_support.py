"""The support-team messaging API: send-reaction, mark-as-read, send-interactive-message."""

from __future__ import annotations

from typing import Any

from mumble.channels.errors import META_REFUSALS, failure_refusals
from mumble.channels.lookup import NO_CHANNEL
from mumble.customers.window import WINDOW_CLOSED
from mumble.endpoint import Call, Endpoint, api_route
from mumble.errors import BadRequest
from mumble.messages import interactive as it
from mumble.messages import reactions
from mumble.messages.flows import Sender
from mumble.messages.interactive_flow import INTERACTIVE_FAILED, send_interactive
from mumble.messages.params import either, recipient_of
from mumble.messages.replies import REPLY_NOT_FOUND, REPLY_TO, TARGET_NOT_FOUND
from mumble.messages.schemas import GET_MESSAGE_LINK, SENT
from mumble.messages.service import MESSAGE_NOT_FOUND
from mumble.models.messages import WAMID_MAX
from mumble.openapi.schema import array, obj, string, success
from mumble.pacing.errors import PACED
from mumble.params import Param, flag, optional_str, phone, required_text, value

TAG = "Messaging"
# Long enough for any emoji sequence (skin tones, ZWJ families, flags), no more.
EMOJI_MAX = 32
EMOJI_REQUIRED = "emoji is required (an empty emoji removes the reaction)"

REACTION_PHONE, REACTION_USER_ID = either(phone())
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
    params=(REACTION_PHONE, REACTION_USER_ID, TARGET, EMOJI),
    errors=(
        WINDOW_CLOSED,
        TARGET_NOT_FOUND,
        reactions.ON_A_REACTION,
        NO_CHANNEL,
        *META_REFUSALS,
        PACED,
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
    to = recipient_of(call, REACTION_PHONE)
    message = await reactions.send_reaction(
        Sender.of(call.services), call.account_id, to, call.arg(TARGET), call.arg(EMOJI)
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


_ID_TITLE = {
    "id": string(maxLength=it.BUTTON_ID_MAX),
    "title": string(maxLength=it.BUTTON_TITLE_MAX),
}
_ROW = obj(
    {
        "id": string(maxLength=it.ROW_ID_MAX),
        "title": string(maxLength=it.ROW_TITLE_MAX),
        "description": string(maxLength=it.ROW_DESCRIPTION_MAX),
    },
    ("id", "title"),
)
_SECTION = obj(
    {
        "title": string(
            "Required once there are several sections.", maxLength=it.SECTION_TITLE_MAX
        ),
        "rows": array(_ROW, minItems=1, maxItems=it.ROWS_MAX),
    },
    ("rows",),
)
INTERACTIVE_PHONE, INTERACTIVE_USER_ID = either(phone())
KIND = value("type", string("What the customer gets.", enum=list(it.KINDS)), required=True)
BODY = value("body", string("The message text.", maxLength=it.BODY_MAX), required=True)
HEADER = value("header", string("A text header.", maxLength=it.HEADER_MAX))
FOOTER = value("footer", string("A text footer.", maxLength=it.FOOTER_MAX))
BUTTONS = value(
    "buttons",
    array(
        obj(_ID_TITLE, ("id", "title")),
        "type=button: the reply buttons; the id comes back when the customer taps one.",
        minItems=1,
        maxItems=it.BUTTONS_MAX,
    ),
)
LIST_BUTTON = value(
    "button",
    string("type=list: the text of the button that opens the list.", maxLength=it.LIST_BUTTON_MAX),
)
SECTIONS = value(
    "sections",
    array(
        _SECTION,
        f"type=list: at most {it.ROWS_MAX} rows in all sections.",
        minItems=1,
        maxItems=it.SECTIONS_MAX,
    ),
)
DISPLAY_TEXT = value(
    "display_text", string("type=cta_url: the button's text.", maxLength=it.DISPLAY_TEXT_MAX)
)
URL = value("url", string("type=cta_url: the http(s) URL it opens.", maxLength=it.URL_MAX))

SEND_INTERACTIVE = Endpoint(
    "POST",
    "/send-interactive-message",
    "messages:send",
    "Send reply buttons, a list or a CTA URL button.",
    TAG,
    SENT,
    params=(
        INTERACTIVE_PHONE,
        INTERACTIVE_USER_ID,
        KIND,
        BODY,
        HEADER,
        FOOTER,
        BUTTONS,
        LIST_BUTTON,
        SECTIONS,
        DISPLAY_TEXT,
        URL,
        REPLY_TO,
    ),
    errors=(
        it.INVALID,
        WINDOW_CLOSED,
        REPLY_NOT_FOUND,
        NO_CHANNEL,
        *META_REFUSALS,
        PACED,
        *failure_refusals(INTERACTIVE_FAILED),
    ),
    action="send interactive messages",
    description="Requires an open 24-hour window. Meta's limits are checked first and every "
    "problem is listed in `details`. The customer's choice arrives as an inbound message "
    "(`choice`: the id and title of the button or row) and a message.received event.",
    messaging=True,
    idempotent=True,
    links={"GetMessage": GET_MESSAGE_LINK},
)


async def send_interactive_message(call: Call) -> dict[str, Any]:
    to = recipient_of(call, INTERACTIVE_PHONE)
    request = it.InteractiveRequest(
        kind=call.arg(KIND),
        body=call.arg(BODY),
        header=call.arg(HEADER),
        footer=call.arg(FOOTER),
        buttons=call.arg(BUTTONS),
        button=call.arg(LIST_BUTTON),
        sections=call.arg(SECTIONS),
        display_text=call.arg(DISPLAY_TEXT),
        url=call.arg(URL),
    )
    message = await send_interactive(
        Sender.of(call.services), call.account_id, to, request, call.arg(REPLY_TO)
    )
    return {"success": True, "id": message.id, "message_wa_id": message.wamid}


routes = [
    api_route(SEND_REACTION, send_reaction),
    api_route(MARK_AS_READ, mark_as_read),
    api_route(SEND_INTERACTIVE, send_interactive_message),
]
