"""Interactive messages (reply buttons, lists, a CTA URL button): Meta's limits, checked here.

Meta refuses an interactive object one problem at a time (131009); checking its limits before
anything is written lets the API answer every problem at once, and a refused send leaves no
trace. `build_interactive` is pure: the request's parts in, Meta's `interactive` object out.
Limits: developers.facebook.com/documentation/business-messaging/whatsapp/messages/
interactive-reply-buttons-messages, .../interactive-list-messages and
.../interactive-cta-url-messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mumble.errors import BadRequest, Refusal
from mumble.text import NUL
from mumble.urlguard import UnsafeUrl, parse_url

KINDS = ("button", "list", "cta_url")
BODY_MAX = 1024
HEADER_MAX = 60
FOOTER_MAX = 60
BUTTONS_MAX = 3
BUTTON_ID_MAX = 256
BUTTON_TITLE_MAX = 20
LIST_BUTTON_MAX = 20
SECTIONS_MAX = 10
ROWS_MAX = 10
SECTION_TITLE_MAX = 24
ROW_ID_MAX = 200
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
DISPLAY_TEXT_MAX = 20
URL_MAX = 2000

INVALID = Refusal(BadRequest, "The interactive message is not valid")


@dataclass(frozen=True)
class InteractiveRequest:
    """The parts of a send-interactive-message request, as sent: `build_interactive` checks
    every one (a number where a text belongs is one of the problems it lists)."""

    kind: Any
    body: Any
    header: Any = None
    footer: Any = None
    buttons: Any = None
    button: Any = None
    sections: Any = None
    display_text: Any = None
    url: Any = None


class _Problems:
    def __init__(self) -> None:
        self.found: list[str] = []

    def text(self, where: str, value: Any, maximum: int, *, required: bool = True) -> str | None:
        """`value` as a trimmed text within `maximum` characters, noting what is wrong."""
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.found.append(f"{where} is required")
            return None
        if not isinstance(value, str):
            self.found.append(f"{where} must be a text")
            return None
        text = value.strip()
        if len(text) > maximum:
            self.found.append(f"{where} must be at most {maximum} characters")
        if NUL in text:
            self.found.append(f"{where} must not contain a NUL character")
        return text

    def items(self, where: str, value: Any, minimum: int, maximum: int) -> list[dict[str, Any]]:
        """`value` as a list of objects of allowed length."""
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self.found.append(f"{where} must be a list of objects")
            return []
        if not minimum <= len(value) <= maximum:
            self.found.append(f"{where} must hold {minimum} to {maximum} items")
        return value

    def unique(self, where: str, values: Sequence[str | None]) -> None:
        present = [v for v in values if v is not None]
        if len(set(present)) != len(present):
            self.found.append(f"{where} must be unique")


def _buttons(problems: _Problems, raw: Any) -> dict[str, Any]:
    buttons = problems.items("buttons", raw, 1, BUTTONS_MAX)
    replies = []
    for i, button in enumerate(buttons):
        reply = {
            "id": problems.text(f"buttons[{i}].id", button.get("id"), BUTTON_ID_MAX),
            "title": problems.text(f"buttons[{i}].title", button.get("title"), BUTTON_TITLE_MAX),
        }
        replies.append(reply)
    problems.unique("Button ids", [r["id"] for r in replies])
    problems.unique("Button titles", [r["title"] for r in replies])
    return {"buttons": [{"type": "reply", "reply": reply} for reply in replies]}


def _row(problems: _Problems, where: str, raw: dict[str, Any]) -> dict[str, Any]:
    row = {
        "id": problems.text(f"{where}.id", raw.get("id"), ROW_ID_MAX),
        "title": problems.text(f"{where}.title", raw.get("title"), ROW_TITLE_MAX),
    }
    description = problems.text(
        f"{where}.description", raw.get("description"), ROW_DESCRIPTION_MAX, required=False
    )
    if description is not None:
        row["description"] = description
    return row


def _list(problems: _Problems, button: Any, raw: Any) -> dict[str, Any]:
    label = problems.text("button", button, LIST_BUTTON_MAX)
    sections = problems.items("sections", raw, 1, SECTIONS_MAX)
    built = []
    rows_seen: list[str | None] = []
    for i, section in enumerate(sections):
        where = f"sections[{i}]"
        # Meta wants a title on every section once there are several.
        title = problems.text(
            f"{where}.title", section.get("title"), SECTION_TITLE_MAX, required=len(sections) > 1
        )
        rows = problems.items(f"{where}.rows", section.get("rows"), 1, ROWS_MAX)
        built_rows = [_row(problems, f"{where}.rows[{j}]", row) for j, row in enumerate(rows)]
        rows_seen.extend(row["id"] for row in built_rows)
        entry: dict[str, Any] = {"rows": built_rows}
        if title is not None:
            entry = {"title": title, **entry}
        built.append(entry)
    if len(rows_seen) > ROWS_MAX:
        problems.found.append(f"A list holds at most {ROWS_MAX} rows in all its sections")
    problems.unique("Row ids", rows_seen)
    return {"button": label, "sections": built}


def _cta_url(problems: _Problems, display_text: Any, url: Any) -> dict[str, Any]:
    text = problems.text("display_text", display_text, DISPLAY_TEXT_MAX)
    link = problems.text("url", url, URL_MAX)
    if link is not None:
        try:
            parse_url(link)
        except UnsafeUrl as exc:
            problems.found.append(f"url: {exc}")
    return {"name": "cta_url", "parameters": {"display_text": text, "url": link}}


def build_interactive(request: InteractiveRequest) -> dict[str, Any]:
    """Meta's `interactive` object for the request; INVALID with every problem in `details`."""
    problems = _Problems()
    kind = request.kind
    if kind not in KINDS:
        problems.found.append(f"type must be one of: {', '.join(KINDS)}")
    body = problems.text("body", request.body, BODY_MAX)
    header = problems.text("header", request.header, HEADER_MAX, required=False)
    footer = problems.text("footer", request.footer, FOOTER_MAX, required=False)
    action: dict[str, Any] = {}
    if kind == "button":
        action = _buttons(problems, request.buttons)
    elif kind == "list":
        action = _list(problems, request.button, request.sections)
    elif kind == "cta_url":
        action = _cta_url(problems, request.display_text, request.url)
    if problems.found:
        raise INVALID(details=problems.found)
    interactive: dict[str, Any] = {"type": kind}
    if header is not None:
        interactive["header"] = {"type": "text", "text": header}
    interactive["body"] = {"text": body}
    if footer is not None:
        interactive["footer"] = {"text": footer}
    interactive["action"] = action
    return interactive
