#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL server on loopback (for the store's tests).
# Installs PostgreSQL from Debian's packages when it is missing; stops and removes it afterwards.
set -euo pipefail
find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
PGBIN=$(find_bin || true)
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing PostgreSQL from Debian's packages ..." >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    PGBIN=$(find_bin)
  else
    echo "PostgreSQL is not installed and cannot be installed here: the PostgreSQL store tests will skip" >&2
    "$@"
    exit $?
  fi
fi
DIR=$(mktemp -d /tmp/zorgclaim-pg.XXXXXX)
PORT=${ZORGCLAIM_PG_PORT:-54329}
RUNAS=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$DIR"
  RUNAS=(runuser -u postgres --)
fi
stop() { "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$DIR"; }
trap stop EXIT
"${RUNAS[@]}" "$PGBIN/initdb" -D "$DIR/data" -A trust -U postgres >/dev/null
"${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$DIR/data" -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1" -l "$DIR/log" -w start >/dev/null
export ZORGCLAIM_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"
"$@"
