"""The pool's rule (mumble.db.postgres: no session state on pooled connections) in the source:
no SQL that leaves session state is written anywhere but on the listener's own connection."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "mumble"
# The one module with a connection of its own, outside the pool, and the one stating the rule.
DEDICATED = {PACKAGE / "db" / "listener.py", PACKAGE / "db" / "postgres.py"}
# Upper-case SQL keywords, as the code writes them; a session SET starts a statement.
SESSION_STATE = re.compile(
    r"""(?:^|["';]\s*)SET\s+(?!LOCAL\b)"""
    r"|\bLISTEN\s+\w|\bUNLISTEN\b|\bDECLARE\s+\w+\b.*\bCURSOR\b"
    r"|\bCREATE\s+TEMP(?:ORARY)?\s+TABLE\b|\bPREPARE\s+\w+\s+AS\b"
    r"|\bpg_(?:try_)?advisory_lock"
)


def test_no_session_state_sql_outside_the_dedicated_connection() -> None:
    found = [
        f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}"
        for path in PACKAGE.rglob("*.py")
        if path not in DEDICATED and "migrations" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if SESSION_STATE.search(line)
    ]
    assert found == []


def test_the_check_sees_what_it_forbids() -> None:
    for statement in (
        '"SET statement_timeout = 0"',
        "'LISTEN mumble_events'",
        '"SELECT pg_advisory_lock(1)"',
        '"DECLARE c CURSOR FOR SELECT 1"',
        '"CREATE TEMP TABLE t (x int)"',
    ):
        assert SESSION_STATE.search(statement), statement
    for allowed in (
        '"SET LOCAL plan_cache_mode = force_generic_plan"',
        '"UPDATE message SET status = $1"',
        '"SELECT pg_advisory_xact_lock(1)"',
    ):
        assert not SESSION_STATE.search(allowed), allowed
