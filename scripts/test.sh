#!/usr/bin/env bash
# The whole suite: static checks, the services on the in-memory store (scripts/test-memory.sh,
# skipped when arguments pick the tests), then pytest against SQLite, a real PostgreSQL server
# and a real nats-server with JetStream (distributed mode).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/lint.sh
if [ $# -eq 0 ]; then bash scripts/test-memory.sh; fi
exec bash scripts/with-postgres.sh bash scripts/with-nats.sh .venv/bin/pytest -n 2 --dist loadgroup "$@"
