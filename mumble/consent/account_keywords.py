"""An account's own consent keywords: checked by `keywords.check_custom`, stored on the account."""

from __future__ import annotations

import uuid

from mumble.consent.keywords import KINDS, check_custom, defaults
from mumble.errors import BadRequest, NotFound
from mumble.models import Account


async def set_account_keywords(
    account_id: str | uuid.UUID, stop: list[str] | None, start: list[str] | None
) -> dict[str, list[str]]:
    """Store an account's own keywords (None for both: back to the defaults); returns the
    keywords in force. 400 for a bad list, 404 for an unknown account."""
    try:
        setting = check_custom(stop, start)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    account = await Account.get_or_none(id=_uuid(account_id))
    if account is None:
        raise NotFound("Account not found")
    account.consent_keywords = setting or None
    await account.save(update_fields=["consent_keywords"])
    return {kind: setting.get(kind) or list(defaults()[kind]) for kind in KINDS}


def _uuid(raw: str | uuid.UUID) -> uuid.UUID | None:
    try:
        return raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw))
    except ValueError:
        return None
