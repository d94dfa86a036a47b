"""Writes to the tables a read cache holds, seen in the process that makes them.

Other processes hear of a change to those tables from their triggers (`mumble.db.triggers`),
through the change listener, a few milliseconds after the commit. The process that wrote must
not wait for that: its client answers as soon as the commit returns, and the client's next read
may reach this process before the notice does. So our PostgreSQL clients look at every
statement they run (`noted`): one that writes a watched table tells this process's watchers at
once (a read already in flight must not store what it read) and again when its transaction
commits. Writers need not call anything; a statement this pattern misses is still caught by
the triggers, within the notice's delivery.

The check is a pattern over the SQL text (a few microseconds a statement): the write verbs
followed by a watched table's name. It errs on the side of a false alarm, which only clears a
cache.
"""

from __future__ import annotations

import logging
import re
import weakref
from typing import Any, Protocol

from mumble.db.commit import after_commit

log = logging.getLogger("mumble.db")

# The tables get-customer's view is built from (mumble.customers.views).
WATCHED_TABLES = ("customer", "customer_label", "label", "agent", "team", "bot")
_WRITE = re.compile(
    r"\b(?:insert\s+into|update|delete\s+from|truncate(?:\s+table)?|merge\s+into)\s+"
    r'(?:only\s+)?(?:"?public"?\s*\.\s*)?"?(?:' + "|".join(WATCHED_TABLES) + r')"?(?![\w"])',
    re.IGNORECASE,
)


class Watcher(Protocol):
    def written_here(self) -> None:
        """A watched table was written (or the write committed) in this process."""


# Every live watcher of this process (tests run several apps in one process).
_WATCHERS: weakref.WeakSet[Any] = weakref.WeakSet()


def watch(watcher: Watcher) -> None:
    """Tell `watcher` of every write to a watched table made in this process."""
    _WATCHERS.add(watcher)


def touches(sql: str) -> bool:
    """Whether the statement may write one of the watched tables."""
    return _WRITE.search(sql) is not None


def _tell() -> None:
    for watcher in list(_WATCHERS):
        try:
            watcher.written_here()
        except Exception:
            log.exception("write watcher failed")


def noted(db: Any, sql: str) -> None:
    """Called after `db` ran `sql`: watchers hear of a watched write now and at its commit."""
    if not _WATCHERS or not touches(sql):
        return
    _tell()
    after_commit(db, _tell)
