"""The database: Tortoise's configuration, migrations, the SQLite client, prepared hot reads.

`config` opens and migrates; `sqlite` makes SQLite transactions take the write lock up front;
`prepared` runs the hottest reads with SQL Tortoise built once. The last two lean on Tortoise
internals, pinned with tortoise-orm 1.1.* and checked by tests/test_db_sqlite.py and
tests/test_db_prepared.py (run them first after an ORM upgrade):

- `tortoise.backends.sqlite.client`: `SqliteClient._in_transaction`, `SqliteClient._lock`,
  `SqliteTransactionWrapper._connection`, `SqliteTransactionContext`;
- querysets: `QuerySet._db`, `QuerySet._make_query()`, `QuerySet.query.get_parameterized_sql()`,
  `ValuesQuery._fields_for_select`, `ValuesQuery.resolve_to_python_value`;
- models: `Model._meta.db`, `Model._init_from_db`;
- `tortoise.router.router.db_for_read`, and `Tortoise.init(_enable_global_fallback=True)`
  (the lifespan's ORM state visible to request tasks);
- `AsyncpgDBClient.execute_insert/execute_many/execute_query/execute_query_dict/execute_script`
  as every statement's way out (`postgres.NotingWrites` shows each to `writes`), and
  `TransactionWrapper._in_transaction` for savepoints.

`triggers` (installed by `migrate`), `listener`, `readcache` and `writes` together keep
get-customer's read cache honest across processes (see `readcache`).
"""

from mumble.db.config import migrate, open_database, sqlite_file, sqlite_path, tortoise_config

__all__ = ["migrate", "open_database", "sqlite_file", "sqlite_path", "tortoise_config"]
