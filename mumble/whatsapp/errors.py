"""Graph API errors as typed exceptions keyed by Meta's code (our own errors are not known here).

Meta's error shape: `{"error": {"message", "type", "code", "error_subcode", "error_data":
{"details"}, "fbtrace_id"}}`. Branch on `code` (Meta's advice), never on titles or HTTP status.
Codes: developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes
"""

from __future__ import annotations

from typing import Any

# Meta says these mean "not processed, try again": a retry cannot duplicate anything.
SAFE_RETRY_CODES = frozenset({2, 133004})
# Unknown/temporary failures: retried only on calls that cannot send a message twice.
NON_SEND_RETRY_CODES = frozenset({1, 131000, 131016})
# Throttling (pywa's ThrottlingError family): app (4), WABA (80007, 80008), throughput (130429),
# spam rate limit (131048), pair rate (131056), messaging limit after template classification
# violations (131064), registration attempts (133016), flow sends (132069). Transient: the same
# request succeeds once the limit lifts.
RATE_LIMIT_CODES = frozenset({4, 80007, 80008, 130429, 131048, 131056, 131064, 132069, 133016})
# Worth trying again later (not necessarily by us, right now).
TRANSIENT_CODES = SAFE_RETRY_CODES | NON_SEND_RETRY_CODES | RATE_LIMIT_CODES | {131057}
AUTH_CODES = frozenset({0, 190})
PERMISSION_CODES = frozenset({3, 10, *range(200, 300)})
# Business-side problems: not the API client's fault, so 502 like auth. Access denied (131005),
# account locked or restricted (131031, 368, 130497: pywa's IntegrityError family), payment
# (131042, 131044), certificate (131045), display name not approved (131037), marketing templates
# off for the Cloud API (131063), number not registered (133010).
ACCOUNT_CODES = frozenset(
    {131005, 131031, 131037, 131042, 131044, 131045, 131063, 133010, 368, 130497}
)

# Template missing, not approved, paused, disabled, or its parameters wrong.
TEMPLATE_CODES = frozenset({132000, 132001, 132005, 132007, 132008, 132012, 132015, 132016})
# About this request and permanent: the parameters, the recipient, the media, the window.
REQUEST_CODES = frozenset(
    {100, 130472, 131008, 131009, 131021, 131026, 131030, 131047, 131049, 131050, 131051}
    | {131052, 131053, 131062, 132068, 135000, 137000}
)
_KNOWN_CODES = (
    TRANSIENT_CODES | AUTH_CODES | PERMISSION_CODES | ACCOUNT_CODES | TEMPLATE_CODES | REQUEST_CODES
)
# Waits when Meta gives no Retry-After: pair rate is 1 message per 6 s, WABA limits are hourly;
# the spam and messaging limits lift with the number's quality or the next day, so an hour.
DEFAULT_RETRY_AFTER = {
    130429: 1.0,
    131056: 6.0,
    4: 60.0,
    80007: 60.0,
    80008: 60.0,
    132069: 60.0,
    131048: 3600.0,
    131064: 3600.0,
    133016: 3600.0,
}


class WhatsAppError(Exception):
    """A failed Graph call. Never carries the access token."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        subcode: int | None = None,
        title: str | None = None,
        details: str | None = None,
        fbtrace_id: str | None = None,
        error_type: str | None = None,
        http_status: int = 400,
        is_transient: bool | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"(#{code}) {message}")
        self.code = code
        self.subcode = subcode
        self.message = message
        self.title = title or message
        self.details = details
        self.fbtrace_id = fbtrace_id
        self.error_type = error_type
        self.http_status = http_status
        self.is_transient = code in TRANSIENT_CODES if is_transient is None else is_transient
        self.retry_after = retry_after


class ReengagementRequired(WhatsAppError):
    """131047: more than 24 hours since the customer last wrote; only templates are allowed."""


class TemplateError(WhatsAppError):
    """132xxx: template missing, not approved, paused, disabled, or wrong parameters."""


class RateLimited(WhatsAppError):
    """Meta's throttling: app, WABA, throughput, pair rate, spam and messaging limits."""


class AuthError(WhatsAppError):
    """190 / 0: the access token is expired, invalidated or wrong."""


class PermissionDenied(WhatsAppError):
    """3, 10, 200-299: the token lacks a permission."""


class AccountError(WhatsAppError):
    """The business account cannot send: locked, restricted, unpaid, unregistered, unnamed."""


class TemporaryError(WhatsAppError):
    """Meta's explicit temporary failures (1, 2, 131000, 131016, 131057, 133004)."""


class TransportError(WhatsAppError):
    """No usable answer: connection failure, timeout, or a 5xx without a Graph error body.

    `request_sent` is False only when the request provably never left (connection refused).
    """

    def __init__(self, message: str, *, http_status: int = 502, request_sent: bool = True) -> None:
        super().__init__(-1, message, http_status=http_status, is_transient=True)
        self.request_sent = request_sent


def _class_for(code: int) -> type[WhatsAppError]:
    if code == 131047:
        return ReengagementRequired
    if code in TEMPLATE_CODES:
        return TemplateError
    if code in RATE_LIMIT_CODES:
        return RateLimited
    if code in AUTH_CODES:
        return AuthError
    if code in PERMISSION_CODES:
        return PermissionDenied
    if code in ACCOUNT_CODES:
        return AccountError
    if code in TRANSIENT_CODES:
        return TemporaryError
    return WhatsAppError


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _strip_code(message: str, code: int) -> str:
    # Meta prefixes messages with "(#<code>) ": keep the title only.
    prefix = f"(#{code})"
    return message[len(prefix) :].strip() if message.startswith(prefix) else message


def from_graph(
    body: Any, http_status: int, *, retry_after: float | None = None
) -> WhatsAppError | None:
    """The typed error for a Graph error body, or None when `body` has no `error` object."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None
    code = _int(error.get("code"))
    if code is None:
        return None
    message = _strip_code(str(error.get("message") or "Unknown error"), code)
    data = error.get("error_data")
    details = data.get("details") if isinstance(data, dict) else None
    if code in RATE_LIMIT_CODES and retry_after is None:
        retry_after = DEFAULT_RETRY_AFTER.get(code)
    # Meta's own `is_transient` counts only for codes this module does not know: a known code's
    # class and transience come from the tables above, so the two never disagree.
    kind = _class_for(code)
    if kind is WhatsAppError and code not in _KNOWN_CODES and error.get("is_transient") is True:
        kind = TemporaryError
    return kind(
        code,
        message,
        subcode=_int(error.get("error_subcode")),
        title=error.get("error_user_title") or message,
        details=str(details) if details is not None else None,
        fbtrace_id=error.get("fbtrace_id"),
        error_type=error.get("type"),
        http_status=http_status,
        is_transient=kind in (RateLimited, TemporaryError),
        retry_after=retry_after,
    )
