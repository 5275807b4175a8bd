#!/usr/bin/env bash
# Create ./.venv (if missing) and install ppocr_lite with PaddlePaddle, the test tools and ONNX export.
#
#   bash scripts/setup_env.sh                    # CPU: paddlepaddle from the default index (`cpu` extra)
#   PPOCR_GPU=cu126 bash scripts/setup_env.sh    # CUDA: paddlepaddle-gpu built for CUDA 12.6
#
# PaddlePaddle publishes its 3.x GPU wheels on its own index, one per CUDA version, not on PyPI.
# Pick the newest CUDA version the driver supports (`nvidia-smi` shows it; RTX 50xx cards need
# cu129 or later). PPOCR_PADDLE_VERSION=3.3.1 pins the Paddle version (default: newest 3.x).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
GPU_CUDA_VERSIONS="cu118 cu126 cu129 cu130"
PADDLE_INDEX=https://www.paddlepaddle.org.cn/packages/stable

gpu=${PPOCR_GPU:-}
if [ -n "$gpu" ] && [[ " $GPU_CUDA_VERSIONS " != *" $gpu "* ]]; then
  echo "error: PPOCR_GPU=$gpu is not a CUDA version PaddlePaddle publishes wheels for;" \
    "use one of: $GPU_CUDA_VERSIONS (or unset it for the CPU build)" >&2
  exit 2
fi
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if [ -n "$gpu" ]; then
  version=${PPOCR_PADDLE_VERSION:+==$PPOCR_PADDLE_VERSION}
  .venv/bin/python -m pip install --quiet "paddlepaddle-gpu${version:->=3.0,<4}" \
    --index-url "$PADDLE_INDEX/$gpu/"
  .venv/bin/python -m pip install --quiet -e ".[test,onnx]"
else
  .venv/bin/python -m pip install --quiet -e ".[cpu,test,onnx]"
fi
