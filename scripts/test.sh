#!/usr/bin/env bash
# The whole suite: static checks, then pytest against SQLite and a real PostgreSQL server.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/lint.sh
exec bash scripts/with-postgres.sh .venv/bin/pytest -n 2 --dist loadgroup "$@"
