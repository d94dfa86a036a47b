"""When a scheduled send may be due. Pure, the clock injected."""

from __future__ import annotations

import datetime as dt

from mumble.errors import BadRequest, Refusal

MAX_AHEAD = dt.timedelta(days=30)
SEND_AT_PAST = Refusal(BadRequest, "'send_at' must be in the future")
SEND_AT_TOO_FAR = Refusal(BadRequest, "'send_at' must be at most 30 days ahead")
# A scheduled send is stored by phone; a customer known only by a BSUID is sent to now.
REFUSALS = (SEND_AT_PAST, SEND_AT_TOO_FAR)


def check_send_at(send_at: dt.datetime, *, now: dt.datetime) -> dt.datetime:
    """`send_at` in UTC when it lies after `now` and at most `MAX_AHEAD` later; else 400."""
    moment = send_at.astimezone(dt.UTC)
    if moment <= now:
        raise SEND_AT_PAST()
    if moment > now + MAX_AHEAD:
        raise SEND_AT_TOO_FAR()
    return moment
