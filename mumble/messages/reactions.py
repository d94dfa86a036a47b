"""Support-team answers that are not text: a reaction on a message, and read receipts.

A reaction is a message at Meta (it has a wamid and statuses), so it goes through the send
pipeline inside the 24-hour window and is stored with the wamid it is on. A read receipt is
not a message: it tells Meta that the business read an inbound message (WhatsApp shows blue
ticks, and marks the earlier messages of the thread read too), optionally with "typing...".
"""

from __future__ import annotations

import uuid

from mumble.channels.errors import meta_refusal
from mumble.channels.lookup import channel_of
from mumble.customers.recipient import Recipient
from mumble.customers.window import require_open_window
from mumble.errors import BadRequest, Refusal
from mumble.messages.flows import Sender, send_outbound
from mumble.messages.recipients import address_of
from mumble.messages.replies import TARGET_NOT_FOUND
from mumble.messages.service import MESSAGE_NOT_FOUND, Outgoing
from mumble.models import Account, Customer, Message
from mumble.models.states import Direction
from mumble.whatsapp.client import GraphClient
from mumble.whatsapp.errors import WhatsAppError
from mumble.whatsapp.payloads import reaction_payload, read_receipt

REACTION_FAILED = "Failed to send reaction."
READ_FAILED = "Failed to mark the message as read."
# Meta does not deliver a reaction on a reaction (webhook error 131009).
ON_A_REACTION = Refusal(BadRequest, "A reaction cannot be put on another reaction")
NOT_INBOUND = Refusal(BadRequest, "Only a message the customer sent can be marked as read")


async def open_conversation(
    sender: Sender, account_id: uuid.UUID, to: Recipient
) -> tuple[Account, Customer]:
    """The account (with a channel) and the customer whose 24-hour window is open, else 400."""
    account = await Account.get(id=account_id)
    channel_of(account)
    customer = await to.find(account_id)
    require_open_window(customer.last_inbound_at if customer else None, sender.clock.now())
    assert customer is not None  # the window is open, so the customer wrote in
    return account, customer


async def send_reaction(
    sender: Sender, account_id: uuid.UUID, to: Recipient, wamid: str, emoji: str
) -> Message:
    """send-reaction: `emoji` on the conversation's message `wamid` ("" removes the reaction).

    developers.facebook.com/documentation/business-messaging/whatsapp/messages/reaction-messages
    """
    account, customer = await open_conversation(sender, account_id, to)
    target = await Message.get_or_none(customer_id=customer.id, wamid=wamid)
    if target is None:
        raise TARGET_NOT_FOUND()
    if target.type == "reaction":
        raise ON_A_REACTION()
    outgoing = Outgoing("reaction", emoji or None, reply_to=wamid)
    payload = reaction_payload(address_of(customer), wamid, emoji)
    return await send_outbound(
        sender, account, customer, payload, outgoing, failure_message=REACTION_FAILED
    )


async def mark_as_read(
    graph: GraphClient, account_id: uuid.UUID, wamid: str, *, typing: bool
) -> None:
    """mark-as-read: tell Meta the business read the inbound `wamid` (and shows typing).

    developers.facebook.com/documentation/business-messaging/whatsapp/messages/
    mark-message-as-read
    """
    account = await Account.get(id=account_id)
    channel = channel_of(account)
    message = (
        await Message.filter(account_id=account_id, wamid=wamid).only("id", "direction").first()
    )
    if message is None:
        raise MESSAGE_NOT_FOUND()
    if message.direction != Direction.INBOUND:
        raise NOT_INBOUND()
    try:
        await graph.mark_read(channel, read_receipt(wamid, typing=typing))
    except WhatsAppError as exc:
        raise meta_refusal(exc, READ_FAILED) from None
