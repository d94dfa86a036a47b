#!/bin/sh
# First start: initdb with POSTGRES_USER / POSTGRES_PASSWORD, create POSTGRES_DB, listen on
# every address with password (scram-sha-256) authentication. Then run the command.
set -eu
if [ "${1:-}" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}"
  user=${POSTGRES_USER:-postgres}
  db=${POSTGRES_DB:-$user}
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  initdb --username="$user" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  if [ "$db" != postgres ]; then
    # A private socket and no TCP: pg_isready (the health check) stays false until the real
    # server below starts, so nothing connects while the database is being created.
    init_socket=$(mktemp -d)
    pg_ctl --silent --wait -o "-c listen_addresses='' -c unix_socket_directories=$init_socket" start
    psql --quiet -v ON_ERROR_STOP=1 --host="$init_socket" --username="$user" --dbname=postgres \
      -c "CREATE DATABASE \"$db\""
    pg_ctl --silent --wait -m fast stop
    rmdir "$init_socket"
  fi
  echo "database initialised: user $user, database $db"
fi
exec "$@"
