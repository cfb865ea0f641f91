#!/usr/bin/env bash
# Install everything (Debian packages, .venv, the model, test extras) and run the checks and the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test
.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/pytest "$@"
