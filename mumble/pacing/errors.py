"""The pacer's answer when a send cannot go now: raised before anything is written.

Single-send endpoints answer it as 429 with `Retry-After`; background senders (campaigns, bots,
scheduled sends) catch it and try the same recipient again after `retry_after` seconds, or pause
when `reason` is the portfolio's messaging limit.
"""

from __future__ import annotations

import math
from enum import StrEnum

from mumble.errors import BadRequest, Refusal, TooManyRequests

PACED_MESSAGE = "Outbound pace reached for this WhatsApp number; retry after Retry-After seconds"


class PaceReason(StrEnum):
    """Why a send must wait."""

    THROUGHPUT = "throughput"  # the phone number's messages per second
    PAIR_RATE = "pair_rate"  # the same user was messaged moments ago
    BACK_PRESSURE = "back_pressure"  # Meta answered 130429 / 131056 / 131048 / 80007 / 4
    MESSAGING_LIMIT = "messaging_limit"  # the portfolio's unique users per 24 h


class Paced(TooManyRequests):
    """429 in the envelope with `Retry-After`; `retry_after` keeps the exact wait."""

    def __init__(self, retry_after: float, reason: PaceReason) -> None:
        super().__init__(
            PACED_MESSAGE, headers={"Retry-After": str(max(1, math.ceil(retry_after)))}
        )
        self.retry_after = retry_after
        self.reason = reason


class MarketingHeld(BadRequest):
    """Meta answered 131049 for this user lately: no marketing to them for 24 h (not retried)."""


MARKETING_HELD_MESSAGE = (
    "Customer reached WhatsApp's per-user marketing limit (131049); "
    "no marketing message to them for 24 hours"
)
# The declarations endpoints list: the 429 every paced send may answer, and the 400 of a
# marketing send to a user Meta capped.
PACED = Refusal(TooManyRequests, PACED_MESSAGE)
MARKETING_HELD = Refusal(MarketingHeld, MARKETING_HELD_MESSAGE)
