"""How CLI commands print: a human line, or one JSON object with --json."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import orjson


def emit(args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
    """Print `data` as JSON when --json was given, else the human-readable `text`."""
    if getattr(args, "json", False):
        # Datetimes as mumble.clock.rfc3339 writes them (RFC 3339 UTC with Z).
        options = orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC
        sys.stdout.write(orjson.dumps(data, default=str, option=options).decode() + "\n")
    else:
        sys.stdout.write(text + "\n")
    sys.stdout.flush()


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
