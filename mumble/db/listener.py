"""Change notices between processes: what changed commits with a notice every process hears.

A writer calls `announce(topic)` inside its transaction. Locally the topic's subscribers run
once that transaction commits (`mumble.db.commit`); on PostgreSQL the same commit also delivers
a `NOTIFY` on `CHANNEL`, which every process's `Listener` turns into the same local calls. So a
key revoked by the CLI, or a webhook delivery queued by another API process, is heard by every
process within the notification's delivery.

Subscribers only nudge (clear a cache, wake a loop): a notice carries a topic and at most the
ids of what changed (`topic:detail`, sent by the triggers of `mumble.db.triggers`), never data,
and one heard twice or for a rolled-back savepoint is harmless. The listener holds its own asyncpg
connection outside the pool (`LISTEN` is session state; see `mumble.db.postgres`); while it is
not connected, `connected` is False and subscribers must not rely on notices (the key cache
stops caching).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator, Callable

import asyncpg
from tortoise import connections

from mumble.db.commit import after_commit
from mumble.db.config import is_postgres
from mumble.db.topics import CHANNEL, Topic

__all__ = ["CHANNEL", "Notices", "Topic", "announce", "listening"]

log = logging.getLogger("mumble.db")

RECONNECT_SECONDS = 1.0

Subscriber = Callable[[], None]
# Hears what a notice names (the part after `topic:`).
DetailSubscriber = Callable[[str], None]


class Notices:
    """One app's subscribers by topic, and whether notices from other processes reach it.

    Every live instance hears this process's announcements (tests run several apps in one
    process, each standing for a process of its own)."""

    def __init__(self) -> None:
        self._subscribers: dict[Topic, list[Subscriber]] = {}
        self._detail_subscribers: dict[Topic, list[DetailSubscriber]] = {}
        self._on_connection: list[Callable[[bool], None]] = []
        self.connected = False
        _LIVE.add(self)

    def subscribe(self, topic: Topic, subscriber: Subscriber) -> None:
        self._subscribers.setdefault(topic, []).append(subscriber)

    def subscribe_detail(self, topic: Topic, subscriber: DetailSubscriber) -> None:
        """`subscriber(detail)` for each notice of `topic`: what the notice names after `:`."""
        self._detail_subscribers.setdefault(topic, []).append(subscriber)

    def on_connection(self, callback: Callable[[bool], None]) -> None:
        """`callback(connected)` whenever the listener connects or loses its connection."""
        self._on_connection.append(callback)

    def deliver(self, notice: str) -> None:
        """Run the topic's subscribers (an unknown topic, from a newer process, is ignored)."""
        topic, _, detail = notice.partition(":")
        try:
            known = Topic(topic)
        except ValueError:
            return
        for subscriber in self._subscribers.get(known, ()):
            try:
                subscriber()
            except Exception:
                log.exception("change notice subscriber failed")
        for detailed in self._detail_subscribers.get(known, ()):
            try:
                detailed(detail)
            except Exception:
                log.exception("change notice subscriber failed")

    def set_connected(self, connected: bool) -> None:
        self.connected = connected
        for callback in self._on_connection:
            callback(connected)


_LIVE: weakref.WeakSet[Notices] = weakref.WeakSet()


def _deliver_here(topic: Topic) -> None:
    for notices in list(_LIVE):
        notices.deliver(topic)


async def announce(topic: Topic) -> None:
    """Tell every process, once the current transaction commits, that `topic` changed."""
    db = connections.get("default")
    after_commit(db, lambda: _deliver_here(topic))
    if db.capabilities.dialect == "postgres":
        # Delivered at commit (and dropped on rollback) by PostgreSQL itself.
        await db.execute_query("SELECT pg_notify($1, $2)", [CHANNEL, topic.value])


def _asyncpg_dsn(database_url: str) -> str:
    scheme, rest = database_url.split("://", 1)
    return "postgresql://" + rest if scheme in ("postgres", "asyncpg") else database_url


@contextlib.asynccontextmanager
async def listening(database_url: str, notices: Notices) -> AsyncIterator[None]:
    """Hear other processes' notices while the block runs (PostgreSQL; nothing on SQLite)."""
    if not is_postgres(database_url):
        yield
        return
    task = asyncio.create_task(_listen(_asyncpg_dsn(database_url), notices))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        notices.set_connected(False)


async def _listen(dsn: str, notices: Notices) -> None:
    """Keep one LISTEN connection open, reconnecting after a loss."""
    while True:
        lost = asyncio.Event()
        try:
            connection = await asyncpg.connect(dsn)
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("change listener cannot connect (%s); retrying", type(exc).__name__)
            await asyncio.sleep(RECONNECT_SECONDS)
            continue
        try:
            connection.add_termination_listener(lambda _connection, lost=lost: lost.set())
            await connection.add_listener(CHANNEL, lambda *args: notices.deliver(args[3]))
            notices.set_connected(True)
            await lost.wait()
            log.warning("change listener lost its connection; reconnecting")
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("change listener failed (%s); reconnecting", type(exc).__name__)
        finally:
            notices.set_connected(False)
            with contextlib.suppress(Exception):
                await connection.close(timeout=2)
        await asyncio.sleep(RECONNECT_SECONDS)
