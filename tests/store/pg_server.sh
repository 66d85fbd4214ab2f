#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL server for the store tests (ctest
# fixture hoso_pg): initdb in DIR, a free loopback port, trust authentication.
#
#   pg_server.sh start DIR   # writes DIR/pg_service.conf (service "hoso_test")
#   pg_server.sh stop DIR
#
# The tests connect with HOSO_TEST_PG="service=hoso_test" and
# PGSERVICEFILE=DIR/pg_service.conf. PostgreSQL refuses to run as root, so as
# root the server runs as the "postgres" user (created by Debian's package).
# Any failure exits non-zero, so the fixture fails and so do the tests.
set -euo pipefail

cmd=${1:?usage: pg_server.sh start|stop DIR}
dir=${2:?usage: pg_server.sh start|stop DIR}
bindir=${HOSO_PG_BINDIR:-}
if [ -z "$bindir" ]; then
  for v in 17 16 15 14 13; do
    if [ -x "/usr/lib/postgresql/$v/bin/initdb" ]; then
      bindir=/usr/lib/postgresql/$v/bin
      break
    fi
  done
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/pg_ctl" ]; then
  echo "pg_server.sh: no PostgreSQL server binaries (install Debian's postgresql package)" >&2
  exit 1
fi

as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  if ! id postgres >/dev/null 2>&1; then
    echo "pg_server.sh: running as root and there is no 'postgres' user to run the server" >&2
    exit 1
  fi
  as_owner=(runuser -u postgres --)
fi

# The cluster lives in a fresh directory under /tmp (DIR/datadir names it), so
# the server's user can reach it whatever the permissions above DIR are.
stop() {
  local data
  data=$(cat "$dir/datadir" 2>/dev/null || true)
  if [ -n "$data" ] && [ -f "$data/postmaster.pid" ]; then
    "${as_owner[@]}" "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  if [ -n "$data" ]; then rm -rf "$data"; fi
}

case "$cmd" in
start)
  stop
  rm -rf "$dir"
  mkdir -p "$dir"
  data=$(mktemp -d /tmp/hoso-pg.XXXXXX)
  echo "$data" >"$dir/datadir"
  if [ ${#as_owner[@]} -gt 0 ]; then chown postgres: "$data"; fi
  "${as_owner[@]}" "$bindir/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 \
    --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    exit 1
  }
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    # A port in the unprivileged range that nothing listens on now; if the
    # server still loses the race for it, try another.
    port=$((20000 + (RANDOM * 32768 + RANDOM) % 30000))
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
    if "${as_owner[@]}" "$bindir/pg_ctl" -D "$data" -w -t 60 -l "$data/server.log" \
      -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$data' \
          -c max_connections=50 -c shared_buffers=32MB" start >/dev/null 2>&1; then
      cat >"$dir/pg_service.conf" <<EOF
[hoso_test]
host=127.0.0.1
port=$port
user=postgres
dbname=postgres
connect_timeout=10
EOF
      chmod a+r "$dir/pg_service.conf"
      echo "pg_server.sh: PostgreSQL ($bindir) on 127.0.0.1:$port, data in $data"
      exit 0
    fi
    echo "pg_server.sh: start on port $port failed (attempt $attempt):" >&2
    tail -5 "$data/server.log" >&2 || true
  done
  echo "pg_server.sh: could not start PostgreSQL" >&2
  exit 1
  ;;
stop)
  stop
  rm -rf "$dir"
  ;;
*)
  echo "usage: pg_server.sh start|stop DIR" >&2
  exit 2
  ;;
esac
