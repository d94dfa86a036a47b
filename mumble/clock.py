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
