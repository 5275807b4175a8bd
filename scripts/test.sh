#!/usr/bin/env bash
# Set up (./.venv) and run the test suite (CPU, a few minutes). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
.venv/bin/python -m pytest "$@"
