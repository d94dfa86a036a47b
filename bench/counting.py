"""Round trips counted inside a server process the benchmark started.

`python -m bench.counting FILE -m mumble serve …` patches the drivers, then runs the module as
`python -m` would. Every PostgreSQL statement (asyncpg `execute`/`fetch*`/`executemany`, split
into statements, transaction control, the pool's connection reset and statement preparations
that missed asyncpg's cache), every Redis command write (one per command or per pipeline:
redis-py `send_packed_command`) and every outbound HTTP request (aiohttp
`ClientSession._request`) adds one to a counter in FILE, a small memory-mapped file the
benchmark process reads at any time (`Counters`). Counting costs an integer increment per call.
"""

from __future__ import annotations

import ctypes
import functools
import mmap
import runpy
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KINDS = ("pg_statement", "pg_transaction", "pg_reset", "pg_prepare", "redis", "http")
_SLOTS = 8
_SIZE = _SLOTS * 8
_TRANSACTION = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "START TRANSACTION")
_RESET = ("SELECT pg_advisory_unlock_all", "CLOSE ALL", "UNLISTEN", "RESET ALL")


def _map(path: Path) -> Any:
    if not path.exists() or path.stat().st_size < _SIZE:
        path.write_bytes(b"\0" * _SIZE)
    with path.open("r+b") as handle:
        memory = mmap.mmap(handle.fileno(), _SIZE)
    return (ctypes.c_int64 * _SLOTS).from_buffer(memory)


@dataclass
class Counters:
    """The benchmark's view of one or more counter files (one per server process)."""

    paths: tuple[Path, ...]

    def read(self) -> dict[str, int]:
        totals = dict.fromkeys(KINDS, 0)
        for path in self.paths:
            values = _map(path)
            for index, kind in enumerate(KINDS):
                totals[kind] += int(values[index])
        return totals


def per_request(before: dict[str, int], after: dict[str, int], requests: int) -> dict[str, float]:
    """Round trips per request by kind, plus `pg` (all PostgreSQL) and `total`."""
    n = max(1, requests)
    delta = {kind: (after[kind] - before[kind]) / n for kind in KINDS}
    pg = sum(v for k, v in delta.items() if k.startswith("pg_"))
    return {**{k: round(v, 2) for k, v in delta.items()}, "pg": round(pg, 2),
            "total": round(pg + delta["redis"] + delta["http"], 2)}  # fmt: skip


def describe(trips: dict[str, float]) -> str:
    """`6.0 PG (3.0 statements, 0 transaction, 3.0 resets, 0 prepares), 2.0 Redis, 0 HTTP`."""
    return (
        f"{trips['pg']:g} PG ({trips['pg_statement']:g} statements, "
        f"{trips['pg_transaction']:g} transaction control, {trips['pg_reset']:g} resets, "
        f"{trips['pg_prepare']:g} prepares), {trips['redis']:g} Redis, {trips['http']:g} HTTP"
    )


def _kind_of(query: object) -> int:
    text = query.lstrip().upper() if isinstance(query, str) else ""
    if text.startswith(_TRANSACTION):
        return KINDS.index("pg_transaction")
    if text.startswith(tuple(prefix.upper() for prefix in _RESET)):
        return KINDS.index("pg_reset")
    return KINDS.index("pg_statement")


def _counted(values: Any, original: Callable[..., Any], classify: bool) -> Callable[..., Any]:
    @functools.wraps(original)
    async def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        query = args[0] if args else kwargs.get("query")
        values[_kind_of(query) if classify else KINDS.index("pg_statement")] += 1
        return await original(self, *args, **kwargs)

    return wrapper


def install(path: Path) -> None:
    """Patch asyncpg, redis-py and aiohttp in this process to count into `path`."""
    import aiohttp
    import asyncpg.connection
    import redis.asyncio.connection

    values = _map(path)
    connection = asyncpg.connection.Connection
    for name in ("execute", "executemany", "fetch", "fetchrow", "fetchval", "fetchmany"):
        setattr(connection, name, _counted(values, getattr(connection, name), True))
    get_statement = connection._get_statement

    @functools.wraps(get_statement)
    async def prepared(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        record_class = kwargs.get("record_class") or self._protocol.get_record_class()
        key = (query, record_class, kwargs.get("ignore_custom_codec", False))
        if not (kwargs.get("use_cache", True) and self._stmt_cache.get(key) is not None):
            values[KINDS.index("pg_prepare")] += 1
        return await get_statement(self, query, *args, **kwargs)

    connection._get_statement = prepared
    redis_connection = redis.asyncio.connection.AbstractConnection
    send = redis_connection.send_packed_command

    @functools.wraps(send)
    async def sent(self: Any, *args: Any, **kwargs: Any) -> Any:
        values[KINDS.index("redis")] += 1
        return await send(self, *args, **kwargs)

    redis_connection.send_packed_command = sent  # type: ignore[method-assign]
    request = aiohttp.ClientSession._request

    @functools.wraps(request)
    async def requested(self: Any, *args: Any, **kwargs: Any) -> Any:
        values[KINDS.index("http")] += 1
        return await request(self, *args, **kwargs)

    aiohttp.ClientSession._request = requested  # type: ignore[method-assign]


def main() -> None:
    """`python -m bench.counting FILE -m MODULE ARGS…`: count, then run MODULE as __main__."""
    if len(sys.argv) < 4 or sys.argv[2] != "-m":
        raise SystemExit("usage: python -m bench.counting FILE -m MODULE [ARGS…]")
    install(Path(sys.argv[1]))
    module = sys.argv[3]
    sys.argv = [module, *sys.argv[4:]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
