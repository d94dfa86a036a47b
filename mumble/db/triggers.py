"""PostgreSQL triggers that announce every change to what get-customer shows.

A read cache can only be trusted if every writer tells it of every change, and writers keep
being added (campaigns, bots, status processing, raw statements). So the database itself
tells: a row trigger on each table the customer view reads sends `pg_notify` on the change
listener's channel in the writer's own transaction (delivered at commit, dropped on
rollback), whoever wrote and however. The notices (`customers:…`, see `mumble.db.readcache`):

- `c:<customer id>`: a customer row changed or was deleted, or its labels changed;
- `a:<account id>`: a label, agent, team or bot of the account was renamed or deleted (every
  cached customer of the account may show the old name);
- `*`: a watched table was truncated.

An UPDATE that changes nothing fires nothing (`WHEN (OLD IS DISTINCT FROM NEW)`); inserting a
customer announces nothing, since nothing is cached for a customer not yet read.

The triggers are not in the initial migration (it is regenerated from the models, which would
drop them, and a second migration file breaks that regeneration): `mumble.db.migrate` installs
them after the migrations, every time, idempotently; `installed` lets a process keep its cache
off on a database migrated without them.
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from mumble.db.topics import CHANNEL, Topic

_PREFIX = f"{Topic.CUSTOMERS.value}:"
# (trigger, table, events, the notice's detail for the row `r`)
_ROW_TRIGGERS = (
    ("mumble_notify_customer_update", "customer", "UPDATE", "'c:' || r.id"),
    ("mumble_notify_customer_delete", "customer", "DELETE", "'c:' || r.id"),
    ("mumble_notify_customer_label", "customer_label", "INSERT OR UPDATE OR DELETE",
     "'c:' || r.customer_id"),
    ("mumble_notify_label", "label", "UPDATE OR DELETE", "'a:' || r.account_id"),
    ("mumble_notify_agent", "agent", "UPDATE OR DELETE", "'a:' || r.account_id"),
    ("mumble_notify_team", "team", "UPDATE OR DELETE", "'a:' || r.account_id"),
    ("mumble_notify_bot", "bot", "UPDATE OR DELETE", "'a:' || r.account_id"),
)  # fmt: skip
MARKER = _ROW_TRIGGERS[0][0]


def _notify(detail: str) -> str:
    return f"PERFORM pg_notify('{CHANNEL}', '{_PREFIX}' || {detail});"


def _function(table: str, detail: str) -> str:
    # A link moved to another customer (never done today) changes both customers.
    old_too = f"IF TG_OP = 'UPDATE' THEN r := OLD; {_notify(detail)} END IF;"
    return f"""
CREATE OR REPLACE FUNCTION mumble_notify_{table}() RETURNS trigger LANGUAGE plpgsql AS $body$
DECLARE r RECORD;
BEGIN
  {old_too if table == "customer_label" else ""}
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  {_notify(detail)}
  RETURN NULL;
END
$body$;
"""


def _statements() -> list[str]:
    out = [
        f"""
CREATE OR REPLACE FUNCTION mumble_notify_truncate() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
  PERFORM pg_notify('{CHANNEL}', '{_PREFIX}*');
  RETURN NULL;
END
$body$;
"""
    ]
    details = {table: detail for _, table, _, detail in _ROW_TRIGGERS}
    for table, detail in details.items():
        out.append(_function(table, detail))
        out.append(f'DROP TRIGGER IF EXISTS mumble_notify_{table}_truncate ON "{table}";')
        out.append(
            f'CREATE TRIGGER mumble_notify_{table}_truncate AFTER TRUNCATE ON "{table}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION mumble_notify_truncate();"
        )
    for name, table, events, _ in _ROW_TRIGGERS:
        # An UPDATE that changes nothing (a no-op save) announces nothing.
        when = " WHEN (OLD IS DISTINCT FROM NEW)" if events == "UPDATE" else ""
        out.append(f'DROP TRIGGER IF EXISTS {name} ON "{table}";')
        out.append(
            f'CREATE TRIGGER {name} AFTER {events} ON "{table}" FOR EACH ROW{when} '
            f"EXECUTE FUNCTION mumble_notify_{table}();"
        )
    return out


def script() -> str:
    """The SQL that (re)creates every trigger, as one script (run inside a transaction)."""
    return "\n".join(_statements())


# The advisory lock key that serialises installs (any constant of ours).
INSTALL_LOCK = 7_302_001


async def install(db: BaseDBAsyncClient) -> None:
    """Create or replace the triggers (PostgreSQL only; idempotent)."""
    # Processes starting together (replicas) would race on the same catalog rows ("tuple
    # concurrently updated"): one installs at a time, the lock ending with the transaction.
    await db.execute_script(
        f"BEGIN;\nSELECT pg_advisory_xact_lock({INSTALL_LOCK});\n{script()}\nCOMMIT;"
    )


async def installed(db: BaseDBAsyncClient) -> bool:
    """Whether this database has the triggers (a database migrated before them has not)."""
    if db.capabilities.dialect != "postgres":
        return False
    rows = await db.execute_query_dict(
        "SELECT 1 FROM pg_trigger WHERE tgname = $1 AND NOT tgisinternal", [MARKER]
    )
    return bool(rows)
