"""What a bot sends, through the same pipeline as every send (pacer, records, events).

Each function builds Meta's payload for one kind of node and calls `send_outbound` (templates:
`templates.flows.send_template`, its rules included) with `ON_BEHALF` set, so the message is
stored marked with the bot, and `behalf.record` runs in the transaction that records the message
accepted. The 24-hour window is the caller's check: a bot answers inside it only.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from mumble.messages.flows import MEDIA_FAILED, TEXT_FAILED, Profile, Sender, send_outbound
from mumble.messages.interactive import InteractiveRequest, build_interactive
from mumble.messages.interactive_flow import INTERACTIVE_FAILED
from mumble.messages.media_types import media_type_for
from mumble.messages.recipients import address_of
from mumble.messages.service import ON_BEHALF, OnBehalf, OutboundMedia, Outgoing
from mumble.models import Account, Customer, Message
from mumble.templates.flows import TemplateSend, send_template
from mumble.whatsapp.payloads import interactive_payload, media_payload, text_payload


@contextlib.contextmanager
def on_behalf(behalf: OnBehalf) -> Iterator[None]:
    token = ON_BEHALF.set(behalf)
    try:
        yield
    finally:
        ON_BEHALF.reset(token)


async def send_text(
    sender: Sender, account: Account, customer: Customer, text: str, behalf: OnBehalf
) -> Message:
    """A text from the bot."""
    payload = text_payload(
        address_of(customer), text, preview_url="http://" in text or "https://" in text
    )
    with on_behalf(behalf):
        return await send_outbound(
            sender, account, customer, payload, Outgoing("text", text), failure_message=TEXT_FAILED
        )


async def send_media(
    sender: Sender, account: Account, customer: Customer, node: dict[str, Any], behalf: OnBehalf
) -> Message:
    """A file Meta fetches from the node's public link."""
    link, filename, caption = node["link"], node.get("filename"), node.get("caption")
    kind = node["media_type"]
    mime = media_type_for(filename, link).mime_type
    payload = media_payload(
        address_of(customer), kind, link=link, media_id=None, caption=caption, filename=filename
    )
    text = caption if kind in ("image", "video", "document") else None
    outgoing = Outgoing(kind, text, media=OutboundMedia(mime, filename=filename, link=link))
    with on_behalf(behalf):
        return await send_outbound(
            sender, account, customer, payload, outgoing, failure_message=MEDIA_FAILED
        )


async def send_interactive(
    sender: Sender,
    account: Account,
    customer: Customer,
    node: dict[str, Any],
    behalf: OnBehalf,
) -> Message:
    """Reply buttons (send_buttons) or a list (send_list), checked as send-interactive-message."""
    interactive = build_interactive(
        InteractiveRequest(
            kind="button" if node["type"] == "send_buttons" else "list",
            body=node.get("body"),
            header=node.get("header"),
            footer=node.get("footer"),
            buttons=node.get("buttons"),
            button=node.get("button"),
            sections=node.get("sections"),
        )
    )
    payload = interactive_payload(address_of(customer), interactive)
    outgoing = Outgoing("interactive", interactive["body"]["text"])
    with on_behalf(behalf):
        return await send_outbound(
            sender, account, customer, payload, outgoing, failure_message=INTERACTIVE_FAILED
        )


async def send_approved_template(
    sender: Sender, account: Account, customer: Customer, node: dict[str, Any], behalf: OnBehalf
) -> Message:
    """An approved template of the account, every template rule checked as send-template."""
    send = TemplateSend(
        phone=customer.phone,
        template_id=node["template_id"],
        variables=node.get("variables", []),
        button_values=list(node.get("button_variables", [])),
        media_link=node.get("media_link"),
        profile=Profile(),
        user_id=None if customer.phone else customer.bsuid,
    )
    with on_behalf(behalf):
        return await send_template(sender, account.id, send)
