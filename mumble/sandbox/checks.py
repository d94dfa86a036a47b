"""What the sandbox refuses in a send's typed object and its reply context, like Meta does.

Meta answers one problem per request: 131008 when something required is missing, 131009 when
a value is out of bounds. Only what Meta documents is checked; a type or a field the sandbox
does not know is accepted, as Meta accepts types newer than this table.
Reactions: developers.facebook.com/documentation/business-messaging/whatsapp/messages/
reaction-messages; context: .../messages/contextual-replies.
"""

from __future__ import annotations

from typing import Any

Problem = tuple[int, str]
MISSING = 131008
INVALID = 131009


def _text(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def context_problem(body: dict[str, Any]) -> Problem | None:
    """A `context` must name the quoted message; a reaction cannot be a reply."""
    if "context" not in body:
        return None
    context = body["context"]
    if not isinstance(context, dict) or not _text(context.get("message_id")):
        return MISSING, "context.message_id is required"
    if body.get("type") == "reaction":
        return INVALID, "A reaction message cannot have a context"
    return None


def reaction_problem(reaction: dict[str, Any]) -> Problem | None:
    """`message_id` is required; `emoji` is a string, empty to remove the reaction."""
    if not _text(reaction.get("message_id")):
        return MISSING, "reaction.message_id is required"
    if not isinstance(reaction.get("emoji", ""), str):
        return INVALID, "reaction.emoji must be a string"
    return None


def message_problem(kind: str, body: dict[str, Any]) -> Problem | None:
    """The first problem of the send's context and typed object, or None."""
    found = context_problem(body)
    if found is None and kind == "reaction":
        found = reaction_problem(body["reaction"])
    return found
