"""Request parameters, declared once: how each is read, what it refuses, how it is documented.

An endpoint lists its `Param`s; the handler reads each with `call.arg(PARAM)`, and the OpenAPI
document describes the same objects, so the limits and the contract's messages exist once.
Reading is lazy and in the handler's order, which keeps the reference's precedence of errors
(the first missing parameter the handler asks for is the one reported).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import orjson
from email_validator import EmailNotValidError, validate_email

from mumble.errors import BadRequest
from mumble.openapi.schema import Schema, array, boolean, integer, string
from mumble.phones import MAX_PHONE_DIGITS, MIN_PHONE_DIGITS, normalize_phone
from mumble.text import NUL, ascii_int, bounded_text

T = TypeVar("T")

PHONE_REQUIRED = "Phone number is required."
TEXT_MAX = 200
PAGE_MAX = 10_000_000
TIMESTAMP_MAX = 40
PHONE_SCHEMA = string(
    f"International digits without +, spaces or dashes, {MIN_PHONE_DIGITS} to "
    f"{MAX_PHONE_DIGITS} of them (the server strips non-digits, so a formatted number is "
    "accepted too).",
    examples=["972501234567"],
    pattern=f"^[0-9]{{{MIN_PHONE_DIGITS},{MAX_PHONE_DIGITS}}}$",
)


@dataclass(frozen=True, eq=False)
class Param(Generic[T]):
    """One parameter: its name, its schema, how it is read (raising the 400s in `messages`)."""

    name: str
    schema: Schema
    read: Callable[[Mapping[str, Any]], T]
    required: bool = False
    # The contract's messages this parameter answers with (400), quoted by the document.
    messages: tuple[str, ...] = ()

    def __call__(self, params: Mapping[str, Any]) -> T:
        return self.read(params)


def optional_str(
    params: Mapping[str, Any], name: str, *, max_length: int = TEXT_MAX, allow_empty: bool = True
) -> str | None:
    """A string parameter or None when absent; numbers are accepted and turned into text."""
    value = params.get(name)
    if value is None:
        return None
    text = bounded_text(name, value, max_length)
    if not text and not allow_empty:
        return None
    return text


def _absent(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def text(
    name: str,
    *,
    max_length: int = TEXT_MAX,
    description: str = "",
    allow_empty: bool = False,
    **schema: Any,
) -> Param[str | None]:
    """An optional text of at most `max_length` characters (empty counts as absent)."""

    def read(params: Mapping[str, Any]) -> str | None:
        return optional_str(params, name, max_length=max_length, allow_empty=allow_empty)

    return Param(name, string(description, maxLength=max_length, **schema), read)


def required_text(
    name: str, missing: str, *, max_length: int = TEXT_MAX, description: str = "", **schema: Any
) -> Param[str]:
    """A non-empty text; `missing` is the contract's message when it is absent or empty."""

    def read(params: Mapping[str, Any]) -> str:
        value = optional_str(params, name, max_length=max_length)
        if not value:
            raise BadRequest(missing)
        return value

    schema_ = string(description, maxLength=max_length, **schema)
    return Param(name, schema_, read, required=True, messages=(missing,))


def phone(
    name: str = "customer_phone", *, missing: str = PHONE_REQUIRED, description: str = ""
) -> Param[str]:
    """A required phone number, normalised to its digits."""

    def read(params: Mapping[str, Any]) -> str:
        raw = params.get(name)
        if _absent(raw):
            raise BadRequest(missing)
        return normalize_phone(raw)

    schema = dict(PHONE_SCHEMA)
    if description:
        schema["description"] = f"{description} {schema['description']}"
    return Param(name, schema, read, required=True, messages=(missing,))


def raw_id(name: str, missing: str, *, description: str = "") -> Param[object]:
    """A required id passed on as given: one naming no row is a 404, never a 400."""

    def read(params: Mapping[str, Any]) -> object:
        raw = params.get(name)
        if _absent(raw):
            raise BadRequest(missing)
        return raw

    return Param(name, string(description), read, required=True, messages=(missing,))


def page() -> Param[int]:
    """A 1-based page number; absent means 1; non-positive or non-numeric is a 400."""

    def read(params: Mapping[str, Any]) -> int:
        raw = params.get("page")
        if raw is None or raw == "":
            return 1
        value = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
        if isinstance(raw, str):
            value = ascii_int(raw.strip())
        if value is None or value < 1 or value > PAGE_MAX:
            raise BadRequest("'page' must be a positive integer")
        return value

    schema = integer("1-based page number (default 1).", minimum=1, maximum=PAGE_MAX)
    return Param("page", schema, read)


def bounded_int(
    name: str, *, default: int, minimum: int, maximum: int, description: str = ""
) -> Param[int]:
    """An optional integer from `minimum` to `maximum`, `default` when absent."""
    message = f"'{name}' must be an integer from {minimum} to {maximum}"

    def read(params: Mapping[str, Any]) -> int:
        raw = params.get(name)
        if raw is None or raw == "":
            return default
        value = None if isinstance(raw, bool) else ascii_int(str(raw).strip())
        if value is None or not minimum <= value <= maximum:
            raise BadRequest(message)
        return value

    schema = integer(description, minimum=minimum, maximum=maximum)
    return Param(name, schema, read)


def flag(name: str, *, description: str = "") -> Param[bool | None]:
    """An optional boolean: JSON true/false, or "true"/"1"/"false"/"0" in forms and queries."""

    def read(params: Mapping[str, Any]) -> bool | None:
        raw = params.get(name)
        if raw is None:
            return None
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word in {"true", "1"}:
            return True
        if word in {"false", "0"}:
            return False
        raise BadRequest(f"'{name}' must be true or false")

    return Param(name, boolean(description), read)


def value(
    name: str, schema: Schema, *, required: bool = False, messages: tuple[str, ...] = ()
) -> Param[Any]:
    """A parameter a domain parser reads itself (objects, lists): passed on as sent."""

    def read(params: Mapping[str, Any]) -> Any:
        return params.get(name)

    return Param(name, schema, read, required=required, messages=messages)


def normalize_email(raw: str) -> str:
    """A syntactically valid email address (no DNS lookup), normalised."""
    try:
        return validate_email(raw, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise BadRequest(f"Invalid email address: {exc}") from None


def timestamp(name: str, *, description: str = "") -> Param[dt.datetime | None]:
    """An optional RFC 3339 time (`2026-06-29T12:00:00Z`; without an offset it is UTC)."""
    message = f"'{name}' must be an RFC 3339 time such as 2026-06-29T12:00:00Z"

    def read(params: Mapping[str, Any]) -> dt.datetime | None:
        raw = params.get(name)
        if raw is None or raw == "":
            return None
        if not isinstance(raw, str) or len(raw) > TIMESTAMP_MAX:
            raise BadRequest(message)
        try:
            moment = dt.datetime.fromisoformat(raw.strip())
        except ValueError:
            raise BadRequest(message) from None
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)

    schema = string(description, format="date-time", maxLength=TIMESTAMP_MAX)
    return Param(name, schema, read, messages=(message,))


def texts(
    name: str, *, max_items: int, max_length: int = TEXT_MAX, description: str = ""
) -> Param[tuple[str, ...]]:
    """An optional list of texts: a JSON array, its JSON text, or comma-separated text (for
    query strings); blanks are dropped, () when absent."""
    message = f"'{name}' must be a list of at most {max_items} texts of {max_length} characters"

    def read(params: Mapping[str, Any]) -> tuple[str, ...]:
        raw = params.get(name)
        if isinstance(raw, str) and raw.lstrip().startswith("["):
            try:
                raw = orjson.loads(raw)
            except orjson.JSONDecodeError:
                raise BadRequest(message) from None
        if raw is None:
            return ()
        items = raw.split(",") if isinstance(raw, str) else raw
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            raise BadRequest(message)
        found = tuple(dict.fromkeys(item.strip() for item in items if item.strip()))
        if len(found) > max_items or any(len(item) > max_length or NUL in item for item in found):
            raise BadRequest(message)
        return found

    schema = array(string(maxLength=max_length), description, maxItems=max_items)
    return Param(name, schema, read, messages=(message,))
