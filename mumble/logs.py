"""Structured logging: one JSON object per line, fields from `extra=`; never headers or bodies.

What reaches a log line is decided where it is logged: the access line names the route, path
(without its query), status, latency, request id and account; nothing logs headers (API keys,
signatures), bodies (message texts), tokens or secrets. `configure` also keeps the loggers of
libraries that would (SQL with its parameters at debug level) at warning, whatever the level.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from typing import Any

import orjson

# Attributes every LogRecord has; anything else on a record came from `extra=` and is emitted.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}
# uvicorn's copy of the message with terminal colour codes: noise in a log pipeline.
_STANDARD.add("color_message")
# Their debug output includes SQL parameters or request details: never below warning.
_QUIET = ("tortoise", "aiosqlite", "asyncpg", "asyncio", "aiohttp", "redis", "multipart")
_LOGGED_MARK = "_mumble_logged"


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
