#!/usr/bin/env bash
# A PostgreSQL server on 127.0.0.1 for the scale-out tests (tests/scaleout).
#
#   eval "$(bash .ci/setup-postgres.sh)"    # start (or reuse) it; exports the URL
#   bash .ci/setup-postgres.sh stop         # stop it
#
# Installs Debian's postgresql package when its binaries are missing, creates a
# throwaway cluster in $SCALE_ADVISOR_PG_DIR (default /tmp/scale-advisor-pg) owned by
# the postgres user, starts it on a free loopback port and creates a role that may
# create databases (the tests make one per session and drop it). The only line on
# stdout is the export; it is also written to $PG_DIR/postgres.env. Everything else goes
# to stderr, so `eval "$(...)"` sees just the export.
set -euo pipefail

ROLE=scale_advisor
PASSWORD=scale-advisor-ci  # a throwaway cluster that listens on loopback only
PG_DIR=${SCALE_ADVISOR_PG_DIR:-/tmp/scale-advisor-pg}
DATA=$PG_DIR/data
ENV_FILE=$PG_DIR/postgres.env  # for `source` in a later shell

log() { echo "setup-postgres: $*" >&2; }

# Run a PostgreSQL binary as the cluster's owner: initdb and postgres refuse root.
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

find_bindir() {
    local initdb
    initdb=$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
    [ -n "$initdb" ] && dirname "$initdb"
}

BIN=$(find_bindir || true)

if [ "${1:-start}" = stop ]; then
    if [ -n "$BIN" ] && [ -f "$DATA/postmaster.pid" ]; then
        as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >&2 || true
    fi
    exit 0
fi

if [ -z "$BIN" ]; then
    log "installing Debian's postgresql package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
    BIN=$(find_bindir)
fi

if [ "$(id -u)" = 0 ]; then
    mkdir -p "$PG_DIR"
    chown postgres: "$PG_DIR"
else
    mkdir -p "$PG_DIR"
fi

if [ -f "$DATA/postmaster.pid" ] && as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    PORT=$(sed -n 4p "$DATA/postmaster.pid")
    log "reusing the server already running on port $PORT"
else
    if [ ! -f "$DATA/PG_VERSION" ]; then
        log "creating a cluster in $DATA"
        as_owner "$BIN/initdb" -D "$DATA" -U postgres --auth-local=trust \
            --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >&2
    fi
    PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    log "starting it on 127.0.0.1:$PORT"
    as_owner "$BIN/pg_ctl" -D "$DATA" -l "$PG_DIR/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $PORT -k $PG_DIR -c max_connections=200" start >&2
fi

# Idempotent: the role is created once and its password reset on every run.
as_owner "$BIN/psql" -h "$PG_DIR" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -q >&2 <<SQL
SELECT 'CREATE ROLE $ROLE LOGIN CREATEDB'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') \gexec
ALTER ROLE $ROLE WITH LOGIN CREATEDB PASSWORD '$PASSWORD';
SQL

URL="postgresql://$ROLE:$PASSWORD@127.0.0.1:$PORT/postgres"
echo "export SCALE_ADVISOR_TEST_DATABASE_URL=$URL" > "$ENV_FILE"
echo "export SCALE_ADVISOR_TEST_DATABASE_URL=$URL"
