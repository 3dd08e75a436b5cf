#!/usr/bin/env bash
# A throwaway PostgreSQL server for this checkout, with the sample payments data of the demo
# entity, for the transaction-scope connector's tests and for the demo.
#
# Usage: scripts/postgres-server.sh start|stop|status|env|reload|remove
#
#   start   initialise the cluster (first run), start the server on 127.0.0.1 and load
#           devtools/transactions/{schema,generate}.sql once; fast when already running
#   stop    stop the server (the data stays for the next start)
#   status  say whether it runs; exit 0 when it does, 1 when not
#   env     print PGHOST, PGPORT, PGDATABASE, PGUSER, DORA_PG_DSN and DORA_PG_ANCHOR lines, e.g.
#             env $(scripts/postgres-server.sh env) cargo test --lib connectors::transactions
#             set -a; eval "$(scripts/postgres-server.sh env)"; set +a
#   reload  regenerate the sample data anchored at DORA_PG_ANCHOR (default: the current time);
#           the outage is always in the last day before the anchor
#   remove  stop the server and delete the cluster (make clean)
#
# Where the cluster lives: .pg/ in the checkout (ignored by git through .pg/.gitignore), with
# data/, run/ (the socket, owner only), server.log, port and reader-password. The server refuses
# to run as root: when started by root it runs as the `postgres` OS user, and when that user
# cannot reach the checkout (a checkout in root's home, mode 700) the cluster lives in
# /var/tmp/dora-bridge-pg-<hash of the checkout's path>/ instead; .pg/location names it, so it is
# still one cluster per checkout and `remove` finds it.
#
# The port: DORA_PG_PORT when set (an error when it is taken); otherwise 55432, or the next free
# port when another server (a second checkout's, say) holds it. The port chosen is kept in the
# cluster's `port` file and printed by `env`.
#
# The role `dora_reader` may only connect to dora_demo and SELECT from schema payments; its
# password is random, made on the first start. Missing PostgreSQL binaries are installed with
# apt-get when running as root; otherwise the script exits 3. Environment: DORA_PG_PORT,
# DORA_PG_DIR (instead of .pg/), DORA_PG_ANCHOR (RFC 3339 time the sample data ends at),
# PG_BIN (a directory holding initdb and pg_ctl).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.pg"
HOST=127.0.0.1
DEFAULT_PORT=55432
DB=dora_demo
READER=dora_reader
SAMPLE="$ROOT/devtools/transactions"

say() { printf 'postgres-server: %s\n' "$*" >&2; }
die() { say "$1"; exit "${2:-1}"; }

if [[ -n "${DORA_PG_PORT:-}" ]]; then
  [[ "$DORA_PG_PORT" =~ ^[0-9]+$ ]] && ((DORA_PG_PORT > 0 && DORA_PG_PORT < 65536)) ||
    die "DORA_PG_PORT must be a TCP port number from 1 to 65535, got '$DORA_PG_PORT'." 2
fi
if [[ -n "${DORA_PG_ANCHOR:-}" ]]; then
  [[ "$DORA_PG_ANCHOR" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})$ ]] ||
    die "DORA_PG_ANCHOR must be an RFC 3339 time with Z or an offset, such as 2026-11-23T12:00:00Z, got '$DORA_PG_ANCHOR'." 2
fi

find_bin() {
  local d
  local candidates=()
  [[ -n "${PG_BIN:-}" ]] && candidates+=("$PG_BIN")
  # The newest of Debian's versioned directories first.
  while IFS= read -r d; do candidates+=("$d"); done < <(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -rn)
  candidates+=(/usr/local/bin /usr/bin)
  if command -v pg_config >/dev/null 2>&1; then candidates+=("$(pg_config --bindir)"); fi
  for d in "${candidates[@]}"; do
    if [[ -x "$d/initdb" && -x "$d/pg_ctl" && -x "$d/postgres" ]]; then
      echo "$d"
      return 0
    fi
  done
  return 1
}

install_postgres() {
  if [[ "$(id -u)" != 0 ]]; then
    die "PostgreSQL server binaries (initdb, pg_ctl, postgres) are not installed; install the Debian package 'postgresql' (or set PG_BIN) and run this again." 3
  fi
  say "PostgreSQL is not installed; installing it with apt-get (as root)."
  # Debian's package would create and start a 'main' cluster on port 5432: not wanted here.
  mkdir -p /etc/postgresql-common
  if [[ ! -e /etc/postgresql-common/createcluster.conf ]]; then
    echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf
  fi
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q postgresql >/dev/null; then
    apt-get update -q >/dev/null && apt-get install -y -q postgresql >/dev/null ||
      die "apt-get could not install PostgreSQL; install the package 'postgresql' by hand and run this again." 3
  fi
}

BIN="$(find_bin)" || { install_postgres; BIN="$(find_bin)" || die "PostgreSQL was installed but initdb and pg_ctl were not found; set PG_BIN to their directory." 3; }
PSQL="$BIN/psql"
[[ -x "$PSQL" ]] || PSQL="$(command -v psql || true)"
[[ -n "$PSQL" ]] || die "psql is not installed; install the Debian package 'postgresql-client'." 3

# The server refuses to run as root: root runs everything as the postgres OS user.
if [[ "$(id -u)" == 0 ]]; then
  getent passwd postgres >/dev/null ||
    die "Running as root needs an OS user 'postgres' to own the server (the Debian package creates it); create it or run as an ordinary user." 3
  # From /, which the postgres user can enter (the checkout may be in root's home).
  as_owner() { (cd / && runuser -u postgres -- "$@"); }
else
  as_owner() { "$@"; }
fi

# Where this checkout's cluster lives: DORA_PG_DIR, else where .pg/location says, else .pg/ when
# the server's OS user can reach it, else a directory of its own under /var/tmp.
locate() {
  if [[ -n "${DORA_PG_DIR:-}" ]]; then
    echo "$DORA_PG_DIR"
  elif [[ -s "$LOCAL/location" ]]; then
    cat "$LOCAL/location"
  elif [[ "$(id -u)" != 0 ]] || runuser -u postgres -- test -x "$ROOT" 2>/dev/null; then
    echo "$LOCAL"
  else
    echo "/var/tmp/dora-bridge-pg-$(printf '%s' "$ROOT" | sha256sum | cut -c1-16)"
  fi
}
BASE="$(locate)"
DATA="$BASE/data"
RUN="$BASE/run"
LOG="$BASE/server.log"
PWFILE="$BASE/reader-password"
PORTFILE="$BASE/port"
LOADED="$BASE/sample-data-loaded"
PORT="$(cat "$PORTFILE" 2>/dev/null || echo "${DORA_PG_PORT:-$DEFAULT_PORT}")"
shown() { [[ "$1" == "$ROOT"/* ]] && echo "${1#"$ROOT"/}" || echo "$1"; }

# True when nothing listens on 127.0.0.1:$1 (a bind succeeds).
port_free() {
  python3 -c 'import socket,sys
s=socket.socket()
try: s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError: sys.exit(1)' "$1" 2>/dev/null
}

# The port to start on: DORA_PG_PORT as given; else the last one used, 55432, or the next free.
choose_port() {
  if [[ -n "${DORA_PG_PORT:-}" ]]; then
    port_free "$DORA_PG_PORT" || die "DORA_PG_PORT $DORA_PG_PORT is taken by another server; unset DORA_PG_PORT to let this script pick a free port, or name another one."
    PORT=$DORA_PG_PORT
    return
  fi
  local p
  for p in "$PORT" $(seq "$DEFAULT_PORT" $((DEFAULT_PORT + 200))); do
    if port_free "$p"; then
      [[ "$p" == "$PORT" ]] || say "port $PORT is taken; using $p"
      PORT=$p
      return
    fi
  done
  die "no free port from $DEFAULT_PORT to $((DEFAULT_PORT + 200)); set DORA_PG_PORT to a free port."
}

pg_ctl_() { as_owner "$BIN/pg_ctl" -D "$DATA" "$@"; }
running() { [[ -f "$DATA/PG_VERSION" ]] && pg_ctl_ status >/dev/null 2>&1; }
psql_() { as_owner "$PSQL" -X -q -v ON_ERROR_STOP=1 -h "$RUN" -p "$PORT" -U postgres "$@"; }

init_cluster() {
  mkdir -p "$BASE" "$LOCAL"
  echo '*' >"$LOCAL/.gitignore"
  [[ "$BASE" == "$LOCAL" ]] || echo "$BASE" >"$LOCAL/location"
  echo '*' >"$BASE/.gitignore"
  mkdir -p "$DATA" "$RUN"
  chmod 700 "$DATA" "$RUN"
  if [[ ! -s "$PWFILE" ]]; then
    (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$PWFILE")
  fi
  if [[ "$(id -u)" == 0 ]]; then chown -R postgres:postgres "$BASE"; fi
  say "initialising a cluster in $(shown "$DATA")"
  as_owner "$BIN/initdb" -D "$DATA" -U postgres -E UTF8 --no-locale --no-sync \
    --auth-local=trust --auth-host=scram-sha-256 >"$BASE/initdb.log" 2>&1 ||
    { cat "$BASE/initdb.log" >&2; die "initdb failed (log above)."; }
  # A disposable server: durability off for a fast load. The socket directory is the owner's
  # alone, which is what makes local trust authentication safe.
  cat >>"$DATA/postgresql.conf" <<EOF

# --- scripts/postgres-server.sh ---
listen_addresses = '$HOST'
unix_socket_directories = '$RUN'
unix_socket_permissions = 0700
fsync = off
synchronous_commit = off
full_page_writes = off
max_wal_size = '2GB'
checkpoint_timeout = '30min'
password_encryption = 'scram-sha-256'
EOF
  if command -v openssl >/dev/null 2>&1; then
    # A self-signed certificate, so sslmode=require / verify-full can be exercised.
    as_owner openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=localhost" \
      -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
      -keyout "$DATA/server.key" -out "$DATA/server.crt" >/dev/null 2>&1 &&
      chmod 600 "$DATA/server.key" && echo "ssl = on" >>"$DATA/postgresql.conf" ||
      say "openssl could not make a certificate; the server runs without TLS."
  fi
}

start_server() {
  choose_port
  if ! pg_ctl_ -l "$LOG" -w -t 60 -o "-p $PORT" start >/dev/null 2>&1; then
    tail -n 15 "$LOG" >&2 || true
    die "the server did not start (log above, full log in $(shown "$LOG")); if port $PORT was taken meanwhile, run this again, or set DORA_PG_PORT to a free port."
  fi
  echo "$PORT" >"$PORTFILE"
}

# The anchor the sample data ends at: DORA_PG_ANCHOR, else the current time (to the minute).
anchor() {
  if [[ -n "${DORA_PG_ANCHOR:-}" ]]; then
    date -u -d "$DORA_PG_ANCHOR" +%Y-%m-%dT%H:%M:00Z 2>/dev/null ||
      die "DORA_PG_ANCHOR is not a time date(1) reads: '$DORA_PG_ANCHOR'." 2
  else
    date -u +%Y-%m-%dT%H:%M:00Z
  fi
}

# True when the loaded data ends where DORA_PG_ANCHOR asks (any anchor does when it is unset).
loaded_as_asked() {
  [[ -f "$LOADED" ]] && { [[ -z "${DORA_PG_ANCHOR:-}" ]] || [[ "$(cat "$LOADED")" == "$(anchor)" ]]; }
}

load_sample() {
  local t0=$SECONDS at
  at="$(anchor)"
  say "loading the sample payments data (devtools/transactions) into $DB, anchored at $at"
  rm -f "$LOADED"
  psql_ -d postgres -v pw="$(cat "$PWFILE")" <<SQL
SELECT format('CREATE ROLE %I LOGIN', '$READER') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$READER') \gexec
ALTER ROLE $READER WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'pw';
SELECT 'CREATE DATABASE $DB' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$DB') \gexec
REVOKE ALL ON DATABASE $DB FROM PUBLIC;
GRANT CONNECT ON DATABASE $DB TO $READER;
SQL
  { echo "SET client_min_messages = warning;"; cat "$SAMPLE/schema.sql" "$SAMPLE/generate.sql" -; } <<SQL | psql_ -d "$DB" -v anchor="$at" >/dev/null
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA payments TO $READER;
GRANT SELECT ON ALL TABLES IN SCHEMA payments TO $READER;
SQL
  echo "$at" >"$LOADED"
  say "sample data loaded in $((SECONDS - t0)) s"
}

print_env() {
  local pw
  pw="$(cat "$PWFILE")"
  echo "PGHOST=$HOST"
  echo "PGPORT=$PORT"
  echo "PGDATABASE=$DB"
  echo "PGUSER=$READER"
  echo "DORA_PG_DSN=postgresql://$READER:$pw@$HOST:$PORT/$DB?sslmode=disable"
  echo "DORA_PG_ANCHOR=$(cat "$LOADED" 2>/dev/null)"
}

cmd="${1:-}"
case "$cmd" in
  start)
    if running && loaded_as_asked; then
      say "already running on $HOST:$PORT (data $(shown "$DATA"), sample data anchored at $(cat "$LOADED"))"
      exit 0
    fi
    [[ -f "$DATA/PG_VERSION" ]] || init_cluster
    running || start_server
    loaded_as_asked || load_sample
    say "running on $HOST:$PORT; \`scripts/postgres-server.sh env\` prints the connection settings"
    ;;
  stop)
    if running; then
      pg_ctl_ -m fast -w stop >/dev/null
      say "stopped"
    else
      say "not running"
    fi
    ;;
  status)
    if running; then
      say "running on $HOST:$PORT, data $(shown "$DATA"), sample data $( [[ -f "$LOADED" ]] && echo "anchored at $(cat "$LOADED")" || echo "not loaded" )"
      exit 0
    fi
    say "not running"
    exit 1
    ;;
  env)
    [[ -s "$PWFILE" ]] || die "no cluster yet: run scripts/postgres-server.sh start first."
    running || say "warning: the server is not running; run scripts/postgres-server.sh start"
    print_env
    ;;
  reload)
    running || die "the server is not running; run scripts/postgres-server.sh start first."
    load_sample
    ;;
  remove)
    if running; then pg_ctl_ -m fast -w stop >/dev/null; fi
    # Only a directory this script made: it holds data/PG_VERSION or nothing at all.
    if [[ -d "$BASE" && "$BASE" != "$LOCAL" ]] && { [[ -f "$DATA/PG_VERSION" ]] || [[ -z "$(ls -A "$DATA" 2>/dev/null)" ]]; }; then
      rm -rf "$BASE"
    fi
    rm -rf "$LOCAL"
    say "removed the cluster"
    ;;
  *)
    die "usage: scripts/postgres-server.sh start|stop|status|env|reload|remove" 2
    ;;
esac
