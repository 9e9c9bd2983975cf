#!/usr/bin/env bash
# The whole suite: static checks, then pytest against SQLite, a real PostgreSQL server and a
# real nats-server with JetStream (distributed mode).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/lint.sh
exec bash scripts/with-postgres.sh bash scripts/with-nats.sh .venv/bin/pytest -n 2 --dist loadgroup "$@"
