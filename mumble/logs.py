"""Structured logging: one JSON object per line, fields from `extra=`; never headers or bodies.

What reaches a log line is decided where it is logged: the access line names the route, path
(without its query), status, latency, request id and account; nothing logs headers (API keys,
signatures), bodies (message texts), tokens or secrets. `configure` also keeps the loggers of
libraries that would (SQL with its parameters at debug level) at warning, whatever the level.
A logged traceback keeps its frames but not the message of a validation or database error:
those quote the value they refused or collided with ("Length of '<file name>' 304 > 255",
"Key (phone)=(...) already exists"), which is customer content.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
import traceback
from types import TracebackType
from typing import Any

import orjson

# Attributes every LogRecord has; anything else on a record came from `extra=` and is emitted.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}
# uvicorn's copy of the message with terminal colour codes: noise in a log pipeline.
_STANDARD.add("color_message")
# Their debug output includes SQL parameters or request details: never below warning.
_QUIET = ("tortoise", "aiosqlite", "asyncpg", "asyncio", "aiohttp", "redis", "multipart")
_LOGGED_MARK = "_mumble_logged"
# Exceptions (by class name anywhere in their MRO: tortoise's, asyncpg's, sqlite3's) whose
# message quotes stored or refused values.
_QUOTING = frozenset(
    {"ValidationError", "IntegrityError", "DataError", "IntegrityConstraintViolationError"}
)
_WITHHELD = "(message withheld: it may quote customer data)"
ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


def _withhold(te: traceback.TracebackException, seen: set[int]) -> None:
    """Blank the message of every quoting exception in the chain (cause and context)."""
    if id(te) in seen:
        return
    seen.add(id(te))
    if te.exc_type is not None and any(cls.__name__ in _QUOTING for cls in te.exc_type.__mro__):
        te._str = _WITHHELD  # type: ignore[attr-defined]  # what format() prints after the type
    for linked in (te.__cause__, te.__context__):
        if linked is not None:
            _withhold(linked, seen)


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line: time, level, logger, message and the extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in record.__dict__.items():
            if name not in _STANDARD and not name.startswith("_"):
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str, option=orjson.OPT_NON_STR_KEYS).decode()

    def formatException(self, ei: ExcInfo) -> str:
        """The traceback, with the messages of data-quoting exceptions withheld."""
        if ei[1] is None:
            return super().formatException(ei)
        te = traceback.TracebackException(type(ei[1]), ei[1], ei[2])
        _withhold(te, set())
        return "".join(te.format()).rstrip("\n")


def mark_logged(exc: BaseException) -> None:
    """Note that `exc` was logged with its request id, so uvicorn's copy of it is dropped."""
    setattr(exc, _LOGGED_MARK, True)


class _DropLoggedTwice(logging.Filter):
    """Drops uvicorn's "Exception in ASGI application" for an error our 500 handler logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not (record.name.startswith("uvicorn") and getattr(exc, _LOGGED_MARK, False))


def configure(level: str) -> None:
    """Route every logger (ours, uvicorn's, tortoise's) to stderr as JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(_DropLoggedTwice())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # uvicorn's access log would duplicate ours (and carries the raw query string).
    logging.getLogger("uvicorn.access").disabled = True
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
