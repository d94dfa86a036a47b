"""Phone numbers as we store them: international digits, no "+". Pure functions."""

from __future__ import annotations

import functools
import re
import unicodedata

import phonenumbers

from mumble.errors import BadRequest

_NON_DIGITS = re.compile(r"\D+")
MIN_PHONE_DIGITS = 7
MAX_PHONE_DIGITS = 15


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
