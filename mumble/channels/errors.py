"""Meta's refusals as ours: the one translator from a `WhatsAppError` to the API's error.

400 for what the caller can fix (a closed window, a template problem, a recipient Meta refuses),
429 for Meta's limits (with Retry-After), 502 for what only the business or Meta can fix (the
token, permissions, the account, an outage). Every message is declared here, so endpoints that
call Meta list `META_REFUSALS` and the document quotes them.
"""

from __future__ import annotations

import math

from mumble.customers.window import WINDOW_CLOSED
from mumble.errors import BadGateway, BadRequest, MumbleError, Refusal, TooManyRequests
from mumble.whatsapp.errors import (
    DEFAULT_RETRY_AFTER,
    AccountError,
    AuthError,
    PermissionDenied,
    RateLimited,
    ReengagementRequired,
    TemplateError,
    TemporaryError,
    TransportError,
    WhatsAppError,
)

TEMPLATE_REFUSALS = {
    132000: "Template parameter count mismatch (variables do not match the template)",
    132001: "Template does not exist in this language or is not approved",
    132005: "Template text is too long once the variables are filled in",
    132007: "Template content violates WhatsApp's format policy",
    132008: "Template parameter value is not valid",
    132012: "Template parameter format mismatch (a value is not in the expected format)",
    132015: "Template is paused (low quality), try again later",
    132016: "Template is disabled (paused too often), create a new template",
}
_TEMPLATE = {code: Refusal(BadRequest, text) for code, text in TEMPLATE_REFUSALS.items()}
META_RATE_LIMITED = Refusal(TooManyRequests, "WhatsApp rate limit reached, retry later")
AUTH_FAILED = Refusal(BadGateway, "WhatsApp authentication failed (check the access token)")
PERMISSION_REFUSED = Refusal(
    BadGateway, "WhatsApp refused the request (check the access token's permissions)"
)
UNAVAILABLE = Refusal(BadGateway, "WhatsApp is unavailable, retry later")
ACCOUNT_PROBLEM = Refusal(BadGateway, "WhatsApp account problem: {title}")
REJECTED = Refusal(BadRequest, "WhatsApp rejected the request: {title}")
META_REFUSALS: tuple[Refusal, ...] = (
    WINDOW_CLOSED,
    *_TEMPLATE.values(),
    META_RATE_LIMITED,
    AUTH_FAILED,
    PERMISSION_REFUSED,
    UNAVAILABLE,
    ACCOUNT_PROBLEM,
    REJECTED,
)


def failure_refusals(message: str) -> tuple[Refusal, Refusal]:
    """An endpoint's own failure message for Meta errors without a mapping (400 or 502)."""
    return Refusal(BadRequest, message), Refusal(BadGateway, message)


def meta_refusal(exc: WhatsAppError, failure: str | None = None) -> MumbleError:
    """Our error for a failed Graph call.

    `failure` is the endpoint's own message for a plain Graph error (an unmapped code), with
    Meta's code and title in `details`; without one, such an error is "WhatsApp rejected the
    request".
    """
    if isinstance(exc, ReengagementRequired):
        return WINDOW_CLOSED()
    if isinstance(exc, TemplateError):
        return _TEMPLATE[exc.code]()
    if isinstance(exc, RateLimited):
        wait = max(1, math.ceil(exc.retry_after or DEFAULT_RETRY_AFTER.get(exc.code, 1.0)))
        return META_RATE_LIMITED(headers={"Retry-After": str(wait)})
    if isinstance(exc, AuthError):
        return AUTH_FAILED()
    if isinstance(exc, PermissionDenied):
        return PERMISSION_REFUSED()
    if isinstance(exc, TransportError | TemporaryError):
        return UNAVAILABLE()
    if isinstance(exc, AccountError):
        return ACCOUNT_PROBLEM(title=exc.title)
    if failure is not None:
        details = [f"WhatsApp error {exc.code}: {exc.title}"]
        if exc.details:
            details.append(exc.details)
        kind = BadGateway if exc.http_status >= 500 else BadRequest
        return kind(failure, details=details)
    # The rest (invalid recipient, bad media, undeliverable...) is about this request.
    return REJECTED(title=exc.title, details=[exc.details] if exc.details else None)
