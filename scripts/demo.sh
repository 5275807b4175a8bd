#!/usr/bin/env bash
# Set up (./.venv) and train the demo CRNN on the bundled Vietnamese data, on the CPU.
# Extra arguments are passed to tools/train.py, e.g. -o Global.epoch_num=5
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
.venv/bin/python tools/train.py -c configs/rec/crnn_mv3_demo.yml "$@"
.venv/bin/python tools/eval.py -c configs/rec/crnn_mv3_demo.yml \
  -o Global.checkpoints=output/crnn_mv3_demo/best_accuracy
