#!/usr/bin/env bash
# A throwaway PostgreSQL 15 for tests: loopback only, trust auth, data under <dir>.
#
#   scripts/pg-test-server.sh start <dir>   # prints TEST_DATABASE_URL=postgres://postgres@127.0.0.1:<port>/audio_extract_test
#   scripts/pg-test-server.sh stop  <dir>   # pg_ctl -m fast stop; kills the postmaster by PID if that fails
#   scripts/pg-test-server.sh status <dir>
#
# Both commands are idempotent: `start` on a running server prints the same URL again, `stop` on a
# stopped one is a no-op. Only the TEST_DATABASE_URL line goes to stdout; progress goes to stderr.
# Environment: PG_TEST_PORT (first port to try, default 54329), PG_BIN (directory holding initdb/pg_ctl).
# initdb refuses to run as root, so as root every server command runs as user `postgres`.
set -euo pipefail

DB_NAME=audio_extract_test
FIRST_PORT="${PG_TEST_PORT:-54329}"

log() { echo "pg-test-server: $*" >&2; }
die() {
  log "error: $*"
  exit 1
}

usage() { die "usage: $0 start|stop|status <dir>"; }

find_bin_dir() {
  if [[ -n "${PG_BIN:-}" ]]; then
    [[ -x "$PG_BIN/initdb" ]] || die "PG_BIN=$PG_BIN has no initdb"
    echo "$PG_BIN"
    return
  fi
  if [[ -x /usr/lib/postgresql/15/bin/initdb ]]; then
    echo /usr/lib/postgresql/15/bin
    return
  fi
  local onpath
  if onpath="$(command -v initdb 2>/dev/null)"; then
    dirname "$(readlink -f "$onpath")"
    return
  fi
  # Another major version installed by Debian: better than nothing, but say so.
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [[ -x "$d/initdb" ]]; then
      log "warning: PostgreSQL 15 not found, using $d"
      echo "$d"
      return
    fi
  done
  die "PostgreSQL server binaries not found (install the Debian package postgresql, or set PG_BIN)"
}

# Runs a command as the database owner: `postgres` when we are root, ourselves otherwise.
as_owner() {
  if [[ "$(id -u)" -eq 0 ]]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

port_in_use() {
  # A successful connect means something listens there.
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pick_port() {
  local p
  for ((p = FIRST_PORT; p < FIRST_PORT + 200; p++)); do
    if ! port_in_use "$p"; then
      echo "$p"
      return
    fi
  done
  die "no free port in $FIRST_PORT..$((FIRST_PORT + 199))"
}

is_running() {
  local bin="$1" data="$2"
  [[ -f "$data/postmaster.pid" ]] || return 1
  as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1
}

print_url() {
  echo "TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$1/$DB_NAME"
}

cmd_start() {
  local dir="$1" bin data sock port
  bin="$(find_bin_dir)"
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  data="$dir/data"
  sock="$dir/sock"

  if is_running "$bin" "$data"; then
    port="$(cat "$dir/port")"
    log "already running on port $port (pid $(head -1 "$data/postmaster.pid"))"
    print_url "$port"
    return
  fi

  mkdir -p "$sock"
  if [[ "$(id -u)" -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || die "user postgres does not exist (install the Debian package postgresql)"
    chown postgres:postgres "$dir" "$sock"
    [[ -d "$data" ]] && chown -R postgres:postgres "$data"
    as_owner test -w "$dir" ||
      die "user postgres cannot write $dir: every parent directory must be traversable (chmod 755)"
  fi

  if [[ ! -f "$data/PG_VERSION" ]]; then
    rm -rf "$data"
    log "initdb $data ($("$bin/initdb" --version))"
    # --no-sync: a test cluster never needs to survive a power cut.
    as_owner "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync \
      >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      die "initdb failed"
    }
  fi

  port="$(pick_port)"
  echo "$port" >"$dir/port"
  log "starting on 127.0.0.1:$port (log $dir/server.log)"
  # fsync and friends off: tests want speed, and the data is thrown away anyway.
  as_owner "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $sock -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >&2 || {
    tail -n 30 "$dir/server.log" >&2 || true
    die "pg_ctl start failed"
  }

  local exists
  exists="$(as_owner "$bin/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc \
    "select 1 from pg_database where datname = '$DB_NAME'")"
  if [[ "$exists" != "1" ]]; then
    as_owner "$bin/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "create database $DB_NAME" >&2
  fi
  log "ready: pid $(head -1 "$data/postmaster.pid"), $(as_owner "$bin/psql" -X -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc 'show server_version')"
  print_url "$port"
}

cmd_stop() {
  local dir="$1" bin data pid
  [[ -d "$dir" ]] || {
    log "nothing to stop: $dir does not exist"
    return
  }
  dir="$(cd "$dir" && pwd)"
  data="$dir/data"
  if [[ ! -f "$data/postmaster.pid" ]]; then
    log "not running ($data)"
    return
  fi
  pid="$(head -1 "$data/postmaster.pid")"
  bin="$(find_bin_dir)"
  if as_owner "$bin/pg_ctl" -D "$data" -m fast -w -t 30 stop >&2; then
    log "stopped (pid $pid)"
    return
  fi
  # pg_ctl could not do it: SIGINT is PostgreSQL's fast shutdown, then SIGKILL as a last resort.
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    log "pg_ctl stop failed; sending SIGINT to postmaster pid $pid"
    kill -INT "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "still alive; SIGKILL pid $pid"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$data/postmaster.pid"
  log "stopped (pid $pid)"
}

cmd_status() {
  local dir="$1" bin
  bin="$(find_bin_dir)"
  if [[ -d "$dir" ]] && is_running "$bin" "$dir/data"; then
    log "running on port $(cat "$dir/port")"
    print_url "$(cat "$dir/port")"
  else
    log "not running"
    return 3
  fi
}

[[ $# -eq 2 ]] || usage
case "$1" in
start) cmd_start "$2" ;;
stop) cmd_stop "$2" ;;
status) cmd_status "$2" ;;
*) usage ;;
esac
