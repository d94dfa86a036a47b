"""Authentication (one-time password) templates: Meta writes their text, the template chooses.

Meta's shape: no body text (the preset "<code> is your verification code.", with the optional
security recommendation), no footer text (the preset expiry warning from
`code_expiration_minutes`, 1-90), and one OTP button: COPY_CODE, ONE_TAP or ZERO_TAP (the last
two name the Android apps that may autofill). A send gives the code twice: as the body's one
parameter and as the OTP button's `url` parameter, which Meta turns the button into.
developers.facebook.com/documentation/business-messaging/whatsapp/templates/
authentication-templates/copy-code-button-authentication-templates
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

AUTHENTICATION = "AUTHENTICATION"
# Our copy of Meta's preset texts (English): what get-templates and the stored message show.
BODY = "{{1}} is your verification code."
SECURITY = " For your security, do not share this code."
FOOTER = "This code expires in {minutes} minutes."
# Button fields Meta takes on an OTP button besides `type` and `text`.
OTP_FIELDS = (
    "otp_type",
    "autofill_text",
    "supported_apps",
    "package_name",
    "signature_hash",
    "zero_tap_terms_accepted",
)


def flag(raw: Any) -> bool | None:
    """A boolean from JSON or a form ("true"/"false"); None when absent or not a boolean."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    return None


def minutes(raw: Any) -> Any:
    """`code_expiration_minutes` as an int when it is one (forms send text); else as given,
    for the rulebook to refuse."""
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw.strip())
    return raw


def body_component(security: bool | None, text: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "BODY"}
    if security is not None:
        body["add_security_recommendation"] = security
    if text is not None:
        body["text"] = text  # refused by the rulebook: Meta writes the body
    return body


def footer_component(expiry: Any, text: str | None) -> dict[str, Any] | None:
    if expiry is None and text is None:
        return None
    footer: dict[str, Any] = {"type": "FOOTER"}
    if expiry is not None:
        footer["code_expiration_minutes"] = expiry
    if text is not None:
        footer["text"] = text  # refused by the rulebook: Meta writes the expiry warning
    return footer


def preset_body(security: bool | None) -> str:
    return BODY + (SECURITY if security else "")


def preset_footer(expiry: Any) -> str | None:
    return FOOTER.format(minutes=expiry) if isinstance(expiry, int) else None


def code_buttons(buttons: Sequence[Mapping[str, Any]]) -> list[int]:
    """Positions of the buttons that carry the code: the OTP button as submitted, or the URL
    button Meta stores it as (its url ends in the code's variable)."""
    return [
        index
        for index, button in enumerate(buttons)
        if str(button.get("type") or "").upper() == "OTP"
        or (str(button.get("type") or "").upper() == "URL" and "{{" in str(button.get("url")))
    ]
