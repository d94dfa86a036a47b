"""The consent rule of every send: MARKETING templates never go to an opted-out customer.

UTILITY and AUTHENTICATION templates and service (free-form) messages are not marketing and are
not affected. The check runs before anything is stored or sent, so a refused send leaves no trace.
"""

from __future__ import annotations

import uuid

from mumble.consent.ledger import is_opted_out
from mumble.errors import BadRequest, Refusal

OPTED_OUT = Refusal(BadRequest, "Customer has opted out of marketing messages")
MARKETING = "MARKETING"


async def require_marketing_consent(
    account_id: uuid.UUID, phone: str | None, category: str, user_id: str | None = None
) -> None:
    """400 when a MARKETING template is addressed to a customer (by phone, or else by BSUID)
    who opted out."""
    if category.upper() == MARKETING and await is_opted_out(account_id, phone, user_id):
        raise OPTED_OUT()
