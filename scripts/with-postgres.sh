#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL server, unless SAFEGUARDING_TEST_POSTGRES_URL names one.
# The server lives in a temporary directory, listens on a Unix socket and loopback only, and is
# stopped and deleted when the command ends.
set -euo pipefail
if [ -n "${SAFEGUARDING_TEST_POSTGRES_URL:-}" ]; then exec "$@"; fi
bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
dir=$(mktemp -d /tmp/sg-postgres.XXXXXX)
port=${SAFEGUARDING_TEST_POSTGRES_PORT:-$(bash "$(dirname "$0")/free-port.sh")}
as_pg=()
if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir"; as_pg=(runuser -u postgres --); fi
cleanup() { "${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
"${as_pg[@]}" "$bindir/initdb" -D "$dir/data" -U postgres -A trust --no-sync >/dev/null
"${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
export SAFEGUARDING_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
"$@"
