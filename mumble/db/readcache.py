"""Views of rows kept in the process, dropped the moment anything they show changes anywhere.

get-customer is the API's hottest read: two statements (the customer, its labels) for a view
that changes far less often than it is read. `ReadCache` keeps such views by the address they
were asked by (an account's phone or user id), each tagged with the row it shows and the group
(account) it belongs to. It is used only while this process hears every change:

- on PostgreSQL, the triggers of `mumble.db.triggers` notify each change to a watched table in
  the writer's transaction, whoever the writer is; the listener (`mumble.db.listener`) hands
  the notices to `heard`, which drops that customer (`c:<id>`), that account (`a:<id>`) or
  everything (`*`);
- the process's own writes are seen as they run (`mumble.db.writes`): `written_here` drops
  everything at once and again at the commit, so a client never reads its own write stale;
- while the listener is not connected (`listen(False)`), nothing is cached and nothing served.

So a view is at most a notice's delivery old after a write through any process (milliseconds;
the commit has returned to the writer before the other processes hear it). The TTL
(`MUMBLE_CUSTOMER_CACHE_SECONDS`) bounds anything else, such as a notice lost while the
listener's connection was dying. On SQLite nothing is cached: processes sharing a file have no
channel between them, and a read there is no network round trip.

A read that was under way when a notice arrived may have read the row before the change: each
read takes a `ticket` before it starts, and `put` refuses to store once any drop happened
since. Entries are bounded (least recently used first out); a view is shared by every response
that serves it, so callers never mutate one.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from mumble.clock import Clock
from mumble.db import writes


@dataclass(frozen=True)
class _Entry:
    expires: float
    row: str
    group: str
    value: Any


class ReadCache:
    """Views by address for at most `ttl` seconds, served only while `listening`."""

    def __init__(self, clock: Clock, ttl: float, *, max_entries: int = 10_000) -> None:
        self._clock = clock
        self._ttl = ttl
        self._max = max_entries
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._by_row: dict[str, set[Hashable]] = {}
        self._epoch = 0
        self.listening = False
        writes.watch(self)

    @property
    def enabled(self) -> bool:
        return self.listening and self._ttl > 0 and self._max > 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> Any | None:
        """The view stored under `key`, or None (absent, expired, or not serving now)."""
        if not self.listening:
            return None
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires <= self._clock.now().timestamp():
            self._forget(key)
            return None
        self._entries.move_to_end(key)
        return entry.value

    def ticket(self) -> int:
        """Taken before reading what will be `put`: a drop in between voids the read."""
        return self._epoch

    def put(self, ticket: int, key: Hashable, row: str, group: str, value: Any) -> None:
        """Store `value` (the view of `row`, in `group`) unless anything was dropped since."""
        if not self.enabled or ticket != self._epoch:
            return
        self._forget(key)
        while len(self._entries) >= self._max:
            self._forget(next(iter(self._entries)))
        expires = self._clock.now().timestamp() + self._ttl
        self._entries[key] = _Entry(expires, row, group, value)
        self._by_row.setdefault(row, set()).add(key)

    def _forget(self, key: Hashable) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        keys = self._by_row.get(entry.row)
        if keys is not None:
            keys.discard(key)
            if not keys:
                del self._by_row[entry.row]

    def drop_row(self, row: str) -> None:
        """Forget every view of `row`."""
        self._epoch += 1
        for key in list(self._by_row.get(row, ())):
            self._forget(key)

    def drop_group(self, group: str) -> None:
        """Forget every view in `group`."""
        self._epoch += 1
        for key in [key for key, entry in self._entries.items() if entry.group == group]:
            self._forget(key)

    def clear(self) -> None:
        """Forget everything."""
        self._epoch += 1
        self._entries.clear()
        self._by_row.clear()

    def heard(self, detail: str) -> None:
        """A change notice's detail: `c:<row>`, `a:<group>` or `*` (see mumble.db.triggers)."""
        kind, _, name = detail.partition(":")
        if kind == "c" and name:
            self.drop_row(name)
        elif kind == "a" and name:
            self.drop_group(name)
        else:
            self.clear()

    def written_here(self) -> None:
        """This process wrote a watched table: which rows is not known here, so all go."""
        self.clear()

    def listen(self, listening: bool) -> None:
        """The listener is (or is no longer) connected; either way what was cached may be stale."""
        self.listening = listening
        self.clear()
