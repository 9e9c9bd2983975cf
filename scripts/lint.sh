#!/usr/bin/env bash
# Static checks: ruff (lint and format), the layer contracts (import-linter) and strict mypy on the core, the ports and the services.
set -euo pipefail
bin=.venv/bin
$bin/ruff check src tests bench
$bin/ruff format --check src tests bench scripts
$bin/lint-imports --no-cache
$bin/mypy
