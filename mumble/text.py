"""Guards for client text: ASCII integers, NUL characters, trimmed and bounded strings. Pure.

`str.isdigit()` is no guard for `int()`: it accepts superscripts such as "²" that int() refuses,
and int() refuses texts past 4300 digits. PostgreSQL text and JSONB cannot hold NUL, so every
text bound for storage is checked here before it reaches the database.
"""

from __future__ import annotations

import re
from typing import Any

from mumble.errors import BadRequest

_ASCII_DIGITS = re.compile(r"[0-9]+")
NUL = "\x00"
# Names of people, accounts, agents, teams and bots.
NAME_MAX = 200


def ascii_int(text: str, *, max_digits: int = 18) -> int | None:
    """The value of `text` when it is 1 to `max_digits` ASCII digits, else None."""
    if len(text) > max_digits or not _ASCII_DIGITS.fullmatch(text):
        return None
    return int(text)


def has_nul(value: Any) -> bool:
    """Whether a NUL character is in any text, key or nested value of `value`."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(has_nul(key) or has_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(has_nul(item) for item in value)
    return False


def text_problem(name: str, text: str, max_length: int) -> str | None:
    """Why `text` cannot be stored as `name` (a NUL, or longer than `max_length`), or None."""
    if NUL in text:
        return f"'{name}' must not contain NUL characters"
    if len(text) > max_length:
        return f"'{name}' is too long (at most {max_length} characters)"
    return None


def bounded_text(name: str, value: object, max_length: int) -> str:
    """`value` as trimmed text (numbers become their text); 400 unless storable as `name`."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise BadRequest(f"'{name}' must be a string")
    text = str(value).strip()
    problem = text_problem(name, text, max_length)
    if problem is not None:
        raise BadRequest(problem)
    return text


def clip(text: str, max_length: int) -> str:
    """`text` cut to `max_length` characters, for values that must be kept rather than refused."""
    return text if len(text) <= max_length else text[:max_length]


def checked_name(raw: str, what: str = "Name") -> str:
    """A trimmed name of 1 to NAME_MAX characters; 400 naming `what` otherwise."""
    name = raw.strip()
    if not name or len(name) > NAME_MAX:
        raise BadRequest(f"{what} must be 1 to {NAME_MAX} characters")
    return name
