"""Meta's webhook signature: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(raw body, app secret)>`.

Pure functions of their inputs. Always hash the raw request bytes, never re-serialised JSON.
See developers.facebook.com/docs/graph-api/webhooks/getting-started (validating payloads).
"""

from __future__ import annotations

import hashlib
import hmac

HEADER = "X-Hub-Signature-256"
_PREFIX = "sha256="


def sign(body: bytes, secret: str) -> str:
    """The header value Meta would send for `body`: "sha256=" + lowercase hex digest."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return _PREFIX + digest


def verify(body: bytes, header: str | None, secret: str) -> bool:
    """True when `header` is the signature of `body` under `secret` (constant-time compare).

    An empty secret never verifies: an unconfigured server must not accept unsigned webhooks.
    """
    if not secret or not header:
        return False
    value = header.strip()
    if not value.lower().startswith(_PREFIX):
        return False
    expected = sign(body, secret)
    return hmac.compare_digest(
        expected.encode(), (_PREFIX + value[len(_PREFIX) :].lower()).encode()
    )
