"""The 24-hour customer-service window: pure arithmetic, the clock is passed in.

Meta lets a business send free-form messages for 24 hours after the customer's last message;
outside it only templates go through (developers.facebook.com/documentation/business-messaging/
whatsapp/messages/send-messages, error 131047).
"""

from __future__ import annotations

import datetime as dt

from mumble.errors import BadRequest, Refusal

WINDOW = dt.timedelta(hours=24)
WINDOW_CLOSED = Refusal(BadRequest, "Conversation is closed (send a template instead)")


def window_closes_at(last_inbound_at: dt.datetime | None) -> dt.datetime | None:
    """When the window opened by `last_inbound_at` closes, or None when it never opened."""
    return None if last_inbound_at is None else last_inbound_at + WINDOW


def is_window_open(last_inbound_at: dt.datetime | None, now: dt.datetime) -> bool:
    """True while `now` is less than 24 hours after the customer's last inbound message."""
    closes = window_closes_at(last_inbound_at)
    return closes is not None and now < closes


def require_open_window(last_inbound_at: dt.datetime | None, now: dt.datetime) -> None:
    """400 "Conversation is closed (send a template instead)" outside the 24-hour window."""
    if not is_window_open(last_inbound_at, now):
        raise WINDOW_CLOSED()
