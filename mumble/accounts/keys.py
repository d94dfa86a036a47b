"""API key material: generation and hashing. Pure functions, no storage."""

from __future__ import annotations

import hashlib
import secrets

KEY_PREFIX = "mbl_"
_DISPLAY_CHARS = 12


def generate_key() -> str:
    """A new plaintext key: a recognisable prefix and 256 bits of randomness."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(plaintext: str) -> str:
    """SHA-256 hex of a key. Keys are high-entropy, so a fast hash is enough (no salt needed)."""
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def display_prefix(plaintext: str) -> str:
    """The part of a key safe to show in listings, so an operator can tell keys apart."""
    return plaintext[:_DISPLAY_CHARS]
