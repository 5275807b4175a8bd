#!/usr/bin/env bash
# Set up (./.venv) and run every test (CPU, under 10 minutes on 2 cores). Extra arguments go to pytest.
# A Paddle training step on the CPU runs on one core, so the tests run in one worker process per
# core (pytest-xdist); PPOCR_TEST_WORKERS=0 runs them in this process (e.g. to debug one test).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
WORKERS=${PPOCR_TEST_WORKERS:-auto}
if [ "$WORKERS" = "0" ]; then
  exec .venv/bin/python -m pytest "$@"
fi
exec .venv/bin/python -m pytest -n "$WORKERS" "$@"
