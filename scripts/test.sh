#!/usr/bin/env bash
# Set up and run every check CI runs: lint (ruff), types (mypy), layering (import-linter), then the tests.
# Usage: bash scripts/test.sh [--fast] [pytest args]
#   --fast  skips the tests marked slow or frozen (the PyInstaller build), for the edit-test loop.
# The tests need no data beside the repository (tests/fixtures); skip reasons are printed (-rs).
# PFIQ_TEST_NO_SHARED=1 makes them act as if the developers' ../shared/data/faces were absent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
marks=()
if [ "${1:-}" = "--fast" ]; then
  shift
  marks=(-m "not slow and not frozen")
fi
echo "== ruff"; .venv/bin/ruff check .
echo "== mypy"; .venv/bin/mypy
echo "== import-linter"; .venv/bin/lint-imports --no-cache | tail -n 8
export QT_QPA_PLATFORM=offscreen
echo "== pytest"
exec .venv/bin/python -m pytest -q -p no:cacheprovider -rs "${marks[@]}" "$@"
