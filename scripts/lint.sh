#!/usr/bin/env bash
# Static checks: ruff, the layer contracts (import-linter) and strict mypy on the pure core.
set -euo pipefail
bin=.venv/bin
$bin/ruff check src tests bench
$bin/lint-imports --no-cache
$bin/mypy
