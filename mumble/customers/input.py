"""Validating the body of add-new-customer / edit-customer into a `CustomerInput` (pure)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from mumble.customers import fields as f
from mumble.errors import BadRequest, MumbleError, Refusal
from mumble.params import PHONE_REQUIRED, normalize_email
from mumble.phones import normalize_phone
from mumble.text import NUL

CustomValue = str | int | float | bool
MAX_DETAILS = 20

# Standard profile fields and their length caps.
_PROFILE_CAPS = {"name": f.NAME_MAX, "email": f.EMAIL_MAX, "source": f.SOURCE_MAX}


@dataclasses.dataclass(frozen=True)
class CustomerInput:
    """What a client sent. Only keys that were sent are present, None means "clear"; `phone`
    is empty when the customer is named by its business-scoped user id instead."""

    phone: str
    profile: dict[str, str | None]
    bot_token: str | None
    attribution: dict[str, str | None]
    custom_fields: dict[str, CustomValue | None]


def _text(name: str, value: Any, cap: int, details: list[str]) -> str | None:
    """A string field: None clears it, empty text clears it, anything but a string is refused."""
    if value is None:
        return None
    if not isinstance(value, str):
        details.append(f"{name}: must be a string")
        return None
    text = value.strip()
    problem = _problem(name, text, cap)
    if problem is not None:
        details.append(problem)
    return text or None


def _problem(name: str, text: str, cap: int) -> str | None:
    """Why `text` cannot be stored, in the `name: reason` style of the details list."""
    if NUL in text:
        return f"{name}: must not contain NUL characters"
    if len(text) > cap:
        return f"{name}: too long (at most {cap} characters)"
    return None


def _attribution(name: str, value: Any, details: list[str]) -> str | None:
    """Attribution values are text; numbers are accepted and kept as their text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            details.append(f"{name}: must be a string")
            return None
        value = str(value)
    return _text(name, value, f.ATTRIBUTION_VALUE_MAX, details)


def _custom(name: str, value: Any, details: list[str]) -> CustomValue | None:
    """Custom field values are scalars stored as given; objects and arrays are refused."""
    if not f.is_custom_field_name(name):
        details.append(
            f"{name[:80]}: invalid custom field name (a letter or '_' first, then letters,"
            f" digits, '_', '-' or '.', at most {f.CUSTOM_FIELD_NAME_MAX} characters)"
        )
        return None
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            details.append(f"{name}: must be a finite number")
        return value
    if isinstance(value, str):
        problem = _problem(name, value, f.CUSTOM_FIELD_VALUE_MAX)
        if problem is not None:
            details.append(problem)
        return value
    details.append(f"{name}: custom field values must be a string, number or boolean")
    return None


def _phone(params: Mapping[str, Any], details: list[str]) -> str:
    raw = params.get("customer_phone")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise BadRequest(PHONE_REQUIRED)
    try:
        return normalize_phone(raw)
    except MumbleError as exc:
        details.append(f"customer_phone: {exc.message}")
        return ""


def _capped(details: list[str]) -> list[str]:
    """At most MAX_DETAILS lines, so a body with thousands of bad keys gets a short answer."""
    if len(details) <= MAX_DETAILS:
        return details
    return [*details[:MAX_DETAILS], f"... and {len(details) - MAX_DETAILS} more"]


def parse_customer_input(
    params: Mapping[str, Any], failure: Refusal, *, by_user_id: bool = False
) -> CustomerInput:
    """Split and validate a customer body; 400 `failure` with every problem in `details`.

    With `by_user_id` (edit-customer naming the customer by `customer_user_id`, read by the
    caller) no phone is read."""
    details: list[str] = []
    phone = "" if by_user_id else _phone(params, details)
    profile: dict[str, str | None] = {}
    for key, cap in _PROFILE_CAPS.items():
        if key in params:
            profile[key] = _text(key, params[key], cap, details)
    email = profile.get("email")
    if email:
        try:
            profile["email"] = normalize_email(email)
        except MumbleError as exc:
            details.append(f"email: {exc.message}")
    bot_token = _text("bot_token", params.get("bot_token"), f.BOT_TOKEN_MAX, details)
    attribution: dict[str, str | None] = {}
    custom: dict[str, CustomValue | None] = {}
    for key, value in params.items():
        if key in f.STANDARD_FIELDS:
            continue
        if key in f.ATTRIBUTION_SET:
            attribution[key] = _attribution(key, value, details)
        else:
            custom[key] = _custom(key, value, details)
    if details:
        raise failure(details=_capped(details))
    return CustomerInput(phone, profile, bot_token, attribution, custom)


def validate_profile(
    failure: Refusal, *, name: str | None, email: str | None, source: str | None
) -> dict[str, str | None]:
    """The non-None profile fields, validated like add-new-customer (400 `failure` otherwise)."""
    details: list[str] = []
    profile: dict[str, str | None] = {}
    for key, value in (("name", name), ("email", email), ("source", source)):
        if value is not None:
            profile[key] = _text(key, value, _PROFILE_CAPS[key], details)
    if profile.get("email"):
        try:
            profile["email"] = normalize_email(profile["email"] or "")
        except MumbleError as exc:
            details.append(f"email: {exc.message}")
    if details:
        raise failure(details=details)
    # For find-or-create callers an empty value means "not given", never "clear".
    return {key: value for key, value in profile.items() if value is not None}
