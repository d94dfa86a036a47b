"""A nudge for a background loop: writers `kick()` it, the loop `wait()`s on it with a timeout."""

from __future__ import annotations

import asyncio
import contextlib


class Wakeup:
    """Wakes one polling loop of this process early; a kick while it works is not lost."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def kick(self) -> None:
        """Make the next (or current) `wait` return at once."""
        self._event.set()

    async def wait(self, seconds: float) -> bool:
        """Wait up to `seconds` for a kick; True when kicked. Clears the kick."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), seconds)
        kicked = self._event.is_set()
        self._event.clear()
        return kicked
