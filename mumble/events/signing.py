"""Standard Webhooks signatures (https://www.standardwebhooks.com/): pure functions, no I/O.

The secret is "whsec_" + base64 of random bytes; the HMAC key is those decoded bytes. The
signature header is "v1," + base64(HMAC-SHA256(key, f"{id}.{timestamp}.{body}")); several
space-separated signatures may be sent while a secret rotates.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 24
DEFAULT_TOLERANCE_SECONDS = 300


def new_secret() -> str:
    """A fresh endpoint secret in the Standard Webhooks form."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value ("v1,<base64>") for one message."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers for one message."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, msg_id, timestamp, body),
    }


def verify(
    secret: str,
    msg_id: str,
    timestamp: str,
    signature_header: str,
    body: bytes,
    *,
    now: float,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """True when one of the header's v1 signatures matches and the timestamp is within tolerance."""
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent_at) > tolerance:
        return False
    expected = sign(secret, msg_id, sent_at, body)
    return any(
        hmac.compare_digest(expected, candidate)
        for candidate in signature_header.split(" ")
        if candidate.startswith("v1,")
    )
