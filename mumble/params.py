"""Reading request parameters from a JSON body, a form body or the query string; phone numbers."""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any
from urllib.parse import parse_qsl

import orjson
import phonenumbers
from email_validator import EmailNotValidError, validate_email
from starlette.requests import Request

from mumble.errors import BadRequest, PayloadTooLarge

_NON_DIGITS = re.compile(r"\D+")
_ASCII_DIGITS = re.compile(r"[0-9]+")
MIN_PHONE_DIGITS = 7
MAX_PHONE_DIGITS = 15


def ascii_int(text: str, *, max_digits: int = 18) -> int | None:
    """The value of `text` when it is 1 to `max_digits` ASCII digits, else None.

    `str.isdigit()` is no guard for `int()`: it accepts superscripts such as "²" that int()
    refuses, and int() refuses texts past 4300 digits; both were 500s before.
    """
    if len(text) > max_digits or not _ASCII_DIGITS.fullmatch(text):
        return None
    return int(text)


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused with 413 in our envelope once it passes `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None:
        size_declared = ascii_int(declared, max_digits=30)
        if size_declared is None:
            raise BadRequest("Invalid Content-Length header")
        if size_declared > limit:
            raise PayloadTooLarge(f"Request body too large (limit {limit} bytes)")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"Request body too large (limit {limit} bytes)")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_params(request: Request, limit: int) -> dict[str, Any]:
    """Merge query-string parameters with a JSON or urlencoded body (the body wins).

    GET and DELETE clients that cannot send a body may pass everything in the query string.
    Multipart bodies are read by the endpoints that take files, not here.
    """
    params: dict[str, Any] = dict(request.query_params)
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type.startswith("multipart/"):
        return params
    raw = await read_body(request, limit)
    if not raw.strip():
        return params
    if content_type in ("", "application/json") or content_type.endswith("+json"):
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise BadRequest("Malformed JSON body") from None
        if not isinstance(body, dict):
            raise BadRequest("JSON body must be an object")
        params.update(body)
    elif content_type == "application/x-www-form-urlencoded":
        try:
            pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise BadRequest("Form body must be UTF-8") from None
        params.update(dict(pairs))
    else:
        raise BadRequest(f"Unsupported Content-Type: {content_type}", status=415)
    return params


def optional_str(
    params: dict[str, Any], name: str, *, max_length: int = 200, allow_empty: bool = True
) -> str | None:
    """A string parameter or None when absent; numbers are accepted and turned into text."""
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise BadRequest(f"'{name}' must be a string")
    text = str(value).strip()
    if "\x00" in text:
        raise BadRequest(f"'{name}' must not contain NUL characters")
    if len(text) > max_length:
        raise BadRequest(f"'{name}' is too long (at most {max_length} characters)")
    if not text and not allow_empty:
        return None
    return text


def required_str(params: dict[str, Any], name: str, missing: str, *, max_length: int = 200) -> str:
    """A non-empty string parameter; `missing` is the reference's message when it is absent."""
    text = optional_str(params, name, max_length=max_length)
    if not text:
        raise BadRequest(missing)
    return text


def normalize_phone(raw: object) -> str:
    """International digits only: every non-digit stripped, 7 to 15 digits kept."""
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise BadRequest("Invalid phone number: must be a string of digits")
    digits = _NON_DIGITS.sub("", str(raw))
    if not digits.isascii():
        # "\d" matches every script's digits (Arabic-Indic too): store them as ASCII, so one
        # number written two ways is one customer, not two.
        digits = "".join(str(unicodedata.decimal(char)) for char in digits)
    if not (MIN_PHONE_DIGITS <= len(digits) <= MAX_PHONE_DIGITS):
        raise BadRequest(
            f"Invalid phone number: must have {MIN_PHONE_DIGITS} to {MAX_PHONE_DIGITS} digits"
        )
    return digits


def required_phone(params: dict[str, Any], missing: str = "Phone number is required.") -> str:
    """The normalised `customer_phone`, or 400 with the reference's message when it is absent."""
    raw = params.get("customer_phone")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise BadRequest(missing)
    return normalize_phone(raw)


# A pure function of the digits, and every view of a customer without a stored country calls it.
@functools.lru_cache(maxsize=4096)
def country_of(phone: str) -> str | None:
    """The ISO 3166 region of an international number, or None when it names no region."""
    try:
        parsed = phonenumbers.parse("+" + phone, None)
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(parsed)
    # "ZZ" is unknown and "001" marks non-geographic numbers (+800 freephone, +882/+883
    # international networks): neither is a country.
    return region if region and len(region) == 2 and region.isalpha() and region != "ZZ" else None


def normalize_email(raw: str) -> str:
    """A syntactically valid email address (no DNS lookup), normalised."""
    try:
        return validate_email(raw, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise BadRequest(f"Invalid email address: {exc}") from None


def page_number(params: dict[str, Any]) -> int:
    """A 1-based page number; absent means 1; non-positive or non-numeric is a 400."""
    raw = params.get("page")
    if raw is None or raw == "":
        return 1
    if isinstance(raw, bool):
        raise BadRequest("'page' must be a positive integer")
    page = raw if isinstance(raw, int) else None
    if isinstance(raw, str):
        page = ascii_int(raw.strip())
    if page is None or page < 1 or page > 10_000_000:
        raise BadRequest("'page' must be a positive integer")
    return page
