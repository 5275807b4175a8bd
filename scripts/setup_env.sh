#!/usr/bin/env bash
# Create ./.venv (if missing) and install ppocr_lite with the CPU build of Paddle, test tools and ONNX export.
# Set PPOCR_EXTRAS=gpu,test,onnx on a CUDA machine.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[${PPOCR_EXTRAS:-cpu,test,onnx}]"
