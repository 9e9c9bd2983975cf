#!/usr/bin/env bash
# The fast path: tests/services on the in-memory store (`--memory-store`) and the storage
# contract suite, on SQLite only (no PostgreSQL or nats-server), so the in-memory store cannot
# drift from the SQL ones. tests/services/transparency is left to the full run: it builds its own
# containers on SQLite (its years of data are too much for a store that copies its state in
# every transaction), so here it would only repeat that run.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/pytest -n 2 -q --memory-store -k "not postgres" \
  --ignore=tests/services/transparency tests/services tests/contracts/test_store.py "$@"
