#!/usr/bin/env bash
# A throw-away PostgreSQL for the persistence tests, on loopback only, idempotently:
#   scripts/postgres.sh start   installs Debian's postgresql if missing, creates a cluster under
#                               $NLINK_PG_DIR once (default /var/tmp/nlink-postgres as root, where
#                               the postgres user can reach it; ~/.cache/nlink/postgres otherwise), starts it on
#                               127.0.0.1:$NLINK_PG_PORT (default 55432) unless it runs already,
#                               and prints the JDBC URL on stdout (logs go to stderr)
#   scripts/postgres.sh stop    stops it
# The cluster has one role, nlink (password nlink, SCRAM over TCP): tests create a database each.
# Runs the server as the postgres system user when started as root (PostgreSQL refuses root).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=apt.sh
source "$root/scripts/apt.sh"

if [[ $(id -u) -eq 0 ]]; then default_dir=/var/tmp/nlink-postgres; else default_dir="${XDG_CACHE_HOME:-$HOME/.cache}/nlink/postgres"; fi
dir="${NLINK_PG_DIR:-$default_dir}"
port="${NLINK_PG_PORT:-55432}"
log() { echo "postgres: $*" >&2; }

bin=""
find_bin() { bin="$(compgen -G '/usr/lib/postgresql/*/bin' | sort -V | tail -1)"; }
find_bin
if [[ -z "$bin" || ! -x "$bin/postgres" ]]; then
  nlink_apt_install postgres postgresql
  find_bin
fi
[[ -x "$bin/postgres" ]] || {
  log "no PostgreSQL server binary after installing Debian's postgresql"
  exit 1
}

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-start}" in
  start)
    if [[ ! -f "$dir/PG_VERSION" ]]; then
      log "creating a cluster in $dir"
      mkdir -p "$dir"
      [[ $(id -u) -eq 0 ]] && chown postgres: "$dir"
      chmod 700 "$dir"
      pwfile="$(mktemp)"
      echo nlink >"$pwfile"
      chmod 644 "$pwfile"
      as_owner "$bin/initdb" -D "$dir" -U nlink --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
        --encoding=UTF8 --locale=C.UTF-8 >/dev/null
      rm -f "$pwfile"
    fi
    if as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
      log "already running on 127.0.0.1:$port"
    else
      as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
      log "started $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($dir)"
    fi
    # Each persistence test creates its own database; drop what earlier runs left.
    for db in $(as_owner "$bin/psql" -h "$dir" -p "$port" -U nlink -d postgres -Atc \
      "SELECT datname FROM pg_database WHERE datname LIKE 'nlink_test_%'" 2>/dev/null); do
      as_owner "$bin/psql" -h "$dir" -p "$port" -U nlink -d postgres -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
    done
    echo "jdbc:postgresql://127.0.0.1:$port/postgres"
    ;;
  stop)
    if [[ -f "$dir/PG_VERSION" ]] && as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
      as_owner "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
      log "stopped"
    fi
    ;;
  *)
    echo "usage: scripts/postgres.sh start|stop" >&2
    exit 2
    ;;
esac
