"""The injectable clock: every "now" comes from a Clock (the app's, or a test's frozen one)."""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


# The clock of admin commands, which run outside the app (the CLI is their composition root).
SYSTEM_CLOCK = SystemClock()


def rfc3339(moment: dt.datetime | None) -> str | None:
    """`moment` as RFC 3339 UTC with a `Z` (microseconds when it has them), or None."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
