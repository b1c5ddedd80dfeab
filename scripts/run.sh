#!/usr/bin/env bash
# Set up and start PFIQ Desktop. Usage: bash scripts/run.sh [folder-or-photo]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python main.py "$@"
