"""What the sandbox refuses in a send's typed object and its reply context, like Meta does.

Meta answers one problem per request: 131008 when something required is missing, 131009 when
a value is out of bounds. Only what Meta documents is checked; a type or a field the sandbox
does not know is accepted, as Meta accepts types newer than this table.
Reactions: developers.facebook.com/documentation/business-messaging/whatsapp/messages/
reaction-messages; context: .../messages/contextual-replies; interactive: .../messages/
interactive-reply-buttons-messages, .../interactive-list-messages, .../interactive-cta-url-messages
(location requests, flows, products, catalogs and the other interactive types are accepted
as they come).
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


def _length(where: str, value: Any, maximum: int, *, required: bool = True) -> Problem | None:
    if value is None and not required:
        return None
    if not _text(value):
        return MISSING, f"{where} is required"
    if len(value) > maximum:
        return INVALID, f"{where} length invalid. Min length: 1, Max length: {maximum}"
    return None


def _first(*found: Problem | None) -> Problem | None:
    return next((problem for problem in found if problem is not None), None)


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _objects(value: Any) -> list[dict[str, Any]] | None:
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        return value
    return None


def _reply_buttons(action: dict[str, Any]) -> Problem | None:
    buttons = _objects(action.get("buttons"))
    if buttons is None:
        return MISSING, "action.buttons is required"
    if not 1 <= len(buttons) <= 3:
        return INVALID, "Buttons count is invalid. Min count: 1, Max count: 3"
    replies: list[dict[str, Any]] = [_obj(b.get("reply")) for b in buttons]
    titles = [r.get("title") for r in replies]
    if len(set(map(str, titles))) != len(titles):
        return INVALID, "Button title must be unique"
    return _first(
        *(_length("Button id", r.get("id"), 256) for r in replies),
        *(_length("Button title", r.get("title"), 20) for r in replies),
    )


def _list(action: dict[str, Any]) -> Problem | None:
    sections = _objects(action.get("sections"))
    if sections is None:
        return MISSING, "action.sections is required"
    rows = [row for s in sections for row in _objects(s.get("rows")) or []]
    if not 1 <= len(sections) <= 10:
        return INVALID, "Sections count is invalid. Min count: 1, Max count: 10"
    if not 1 <= len(rows) <= 10:
        return INVALID, "Total row count exceed max allowed count: 10"
    several = len(sections) > 1
    return _first(
        _length("Button text", action.get("button"), 20),
        *(_length("Section title", s.get("title"), 24, required=several) for s in sections),
        *(_length("Row id", r.get("id"), 200) for r in rows),
        *(_length("Row title", r.get("title"), 24) for r in rows),
        *(_length("Row description", r.get("description"), 72, required=False) for r in rows),
    )


def _cta_url(action: dict[str, Any]) -> Problem | None:
    parameters = action.get("parameters")
    if not isinstance(parameters, dict):
        return MISSING, "action.parameters is required"
    url = parameters.get("url")
    if _text(url) and not str(url).startswith(("http://", "https://")):
        return INVALID, "url must be an http(s) URL"
    return _first(
        _length("Display text", parameters.get("display_text"), 20),
        _length("url", url, 2000),
    )


_ACTIONS = {"button": _reply_buttons, "list": _list, "cta_url": _cta_url}
# The body text limit of each checked type (a list's body may be longer).
_BODY_MAX = {"button": 1024, "list": 4096, "cta_url": 1024}


def interactive_problem(interactive: dict[str, Any]) -> Problem | None:
    """Reply buttons, lists and CTA URL buttons within Meta's limits; other types pass."""
    kind = interactive.get("type")
    if not _text(kind):
        return MISSING, "interactive.type is required"
    kind = str(kind)
    check = _ACTIONS.get(kind)
    if check is None:
        return None
    body = interactive.get("body")
    action = interactive.get("action")
    footer = interactive.get("footer")
    header = interactive.get("header")
    return _first(
        _length("body.text", body.get("text") if isinstance(body, dict) else None, _BODY_MAX[kind]),
        _length("footer.text", footer.get("text"), 60) if isinstance(footer, dict) else None,
        _header(header),
        check(action) if isinstance(action, dict) else (MISSING, "action is required"),
    )


def _header(header: Any) -> Problem | None:
    if not isinstance(header, dict) or header.get("type") != "text":
        return None
    return _length("header.text", header.get("text"), 60)


def message_problem(kind: str, body: dict[str, Any]) -> Problem | None:
    """The first problem of the send's context and typed object, or None."""
    found = context_problem(body)
    if found is None and kind == "reaction":
        found = reaction_problem(body["reaction"])
    if found is None and kind == "interactive":
        found = interactive_problem(body["interactive"])
    return found
