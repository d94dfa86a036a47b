"""Callbacks run once the current transaction has committed (wake-ups for background loops).

`after_commit(db, callback)` runs `callback` right away outside a transaction (the write has
already committed), or when the outermost transaction of `db` commits; a rolled-back
transaction drops them. A callback registered inside a savepoint that is later rolled back
still runs at the outer commit, so callbacks must be harmless when nothing changed: they
nudge a loop to look, they never carry data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger("mumble.db")

Callback = Callable[[], None]


class AfterCommit:
    """Mixed into our transaction wrappers: their real `commit` runs the callbacks after."""

    _after_commit: list[Callback] | None = None

    def defer(self, callback: Callback) -> None:
        if self._after_commit is None:
            self._after_commit = []
        self._after_commit.append(callback)

    def committed(self) -> None:
        """Run (and forget) the callbacks; one failing never stops the others."""
        pending, self._after_commit = self._after_commit or [], None
        for callback in pending:
            try:
                callback()
            except Exception:
                log.exception("after-commit callback failed")

    def rolled_back(self) -> None:
        self._after_commit = None


def after_commit(db: Any, callback: Callback) -> None:
    """Run `callback` once the transaction `db` belongs to commits (now when there is none)."""
    top = db
    while isinstance(getattr(top, "_parent", None), AfterCommit):
        top = top._parent
    if isinstance(top, AfterCommit) and not getattr(top, "_finalized", True):
        top.defer(callback)
        return
    callback()
