"""The import's query-plan check needs PostgreSQL's planner: it belongs to the PostgreSQL pass of
the suite (`.ci/run` sets MUMBLE_TEST_DATABASE_URL), not the SQLite one."""

from __future__ import annotations

import os

from tests.database import is_postgres

collect_ignore = (
    [] if is_postgres(os.environ.get("MUMBLE_TEST_DATABASE_URL", "")) else ["test_import_plan.py"]
)
