"""Tests of what only PostgreSQL has (the pool, LISTEN/NOTIFY, the one-statement hot paths):
they belong to the PostgreSQL pass of the suite (`.ci/run` sets MUMBLE_TEST_DATABASE_URL)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.database import is_postgres

collect_ignore = (
    []
    if is_postgres(os.environ.get("MUMBLE_TEST_DATABASE_URL", ""))
    else [path.name for path in Path(__file__).parent.glob("test_*.py")]
)
