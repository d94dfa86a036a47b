"""send-interactive-message: Meta's limits checked first, then the window, then the send."""

from __future__ import annotations

import uuid

from mumble.customers.recipient import Recipient
from mumble.messages.flows import Sender, send_outbound
from mumble.messages.interactive import InteractiveRequest, build_interactive
from mumble.messages.reactions import open_conversation
from mumble.messages.recipients import address_of
from mumble.messages.replies import quoted
from mumble.messages.service import Outgoing
from mumble.models import Message
from mumble.whatsapp.payloads import interactive_payload, replying

INTERACTIVE_FAILED = "Failed to send interactive message."


async def send_interactive(
    sender: Sender,
    account_id: uuid.UUID,
    to: Recipient,
    request: InteractiveRequest,
    reply_to: str | None = None,
) -> Message:
    """Reply buttons, a list or a CTA URL button inside the window; stored with its body text."""
    interactive = build_interactive(request)
    account, customer = await open_conversation(sender, account_id, to)
    await quoted(customer.id, reply_to)
    payload = replying(interactive_payload(address_of(customer), interactive), reply_to)
    outgoing = Outgoing("interactive", interactive["body"]["text"], reply_to=reply_to)
    return await send_outbound(
        sender, account, customer, payload, outgoing, failure_message=INTERACTIVE_FAILED
    )
