"""The reference's field lists: standard and attribution fields, conversation statuses."""

from __future__ import annotations

import re

from mumble import text

# Keys with their own meaning on add-new-customer / edit-customer; everything else is
# either a marketing attribution field or a custom field.
STANDARD_FIELDS: frozenset[str] = frozenset(
    {"customer_phone", "name", "email", "source", "bot_token"}
)

# The 33 marketing attribution fields of the reference, in its order.
ATTRIBUTION_FIELDS: tuple[str, ...] = (
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_content",
    "utm_term",
    "placement",
    "adset_id",
    "ga_id",
    "ga_session_id",
    "campaign_id",
    "keyword_id",
    "gclid",
    "wbraid",
    "gbraid",
    "fbclid",
    "msclickid",
    "ttcid",
    "yclid",
    "obcid",
    "li_fat_id",
    "tblci",
    "twclid",
    "current_url",
    "user_agent",
    "ip",
    "fbc",
    "fbp",
    "cid",
    "matchtype",
    "device",
    "layer",
    "network",
    "form",
)
ATTRIBUTION_SET: frozenset[str] = frozenset(ATTRIBUTION_FIELDS)

# The 18 canonical conversation status keys (the API accepts only these).
CONVERSATION_STATUSES: tuple[str, ...] = (
    "new",
    "open",
    "closed",
    "waiting",
    "waiting_for_agent",
    "reopened",
    "solved",
    "in_progress",
    "in_process",
    "spam",
    "being_handled",
    "not_relevant",
    "appointment_scheduled",
    "pending_customer",
    "escalated",
    "follow_up",
    "duplicate",
    "require_review",
)
CONVERSATION_STATUS_SET: frozenset[str] = frozenset(CONVERSATION_STATUSES)

# Length caps (characters); the model columns are at least this wide.
NAME_MAX = text.NAME_MAX
EMAIL_MAX = 254
SOURCE_MAX = 200
BOT_TOKEN_MAX = 100
ATTRIBUTION_VALUE_MAX = 2048  # landing-page URLs and user agents can be long
CUSTOM_FIELD_NAME_MAX = 64
CUSTOM_FIELD_VALUE_MAX = 1000
MAX_CUSTOM_FIELDS = 15

# A custom field name: starts with a letter or underscore, then letters, digits, "_", "-" or ".".
CUSTOM_FIELD_NAME = re.compile(r"[^\W\d][\w.\-]*")


def is_custom_field_name(name: str) -> bool:
    """True when `name` is an acceptable custom field name (identifier-like, at most 64 chars)."""
    return len(name) <= CUSTOM_FIELD_NAME_MAX and CUSTOM_FIELD_NAME.fullmatch(name) is not None
