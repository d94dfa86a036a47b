"""Why a message failed, for a person: Meta's code and title, and what to do about it.

The hints cover the failures an integrator can act on without reading Meta's error table
(developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes). A
failure's stored text is what Meta said (a status webhook's details, or a send's title); the
title shown is Meta's title for a known code, else that text.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Known(NamedTuple):
    title: str
    hint: str


KNOWN: dict[int, Known] = {
    131047: Known(
        "Re-engagement message",
        "More than 24 hours have passed since the customer last wrote: send a template instead.",
    ),
    131026: Known(
        "Message undeliverable",
        "The number cannot receive this message (not on WhatsApp, an outdated app, WhatsApp's "
        "terms not accepted, or it blocked you); do not retry it.",
    ),
    131049: Known(
        "This message was not delivered to maintain healthy ecosystem engagement",
        "Meta's per-user limit on marketing messages was reached; wait at least a day before "
        "sending this customer another marketing template.",
    ),
    131050: Known(
        "Unable to deliver the message. This recipient has chosen to stop receiving marketing "
        "messages on WhatsApp from your business",
        "The customer stopped marketing messages from you; send only utility or service messages.",
    ),
}


def failure_view(code: int | None, text: str | None) -> dict[str, Any]:
    """The `error` object of a failed message: code, Meta's message and title, and a hint
    (null when we have none for the code)."""
    known = KNOWN.get(code) if code is not None else None
    return {
        "code": code,
        "message": text,
        "title": known.title if known else text,
        "hint": known.hint if known else None,
    }
