#!/usr/bin/env bash
# Rebuild demo_data/pretrained/crnn_mv3_vi.pdparams, the weights the demo fine-tunes.
#
# It trains configs/rec/crnn_mv3_demo.yml from scratch on the 20,000 training lines of the
# synthetic vi_synth set (VI_SYNTH, default ../shared/data/vi_synth) and ships the weights of the
# last step (not the best evaluation: the demo's validation lines are the first 200 of vi_synth's
# validation set, and they choose nothing here either). No validation line is ever trained on.
# About 80 minutes on 2 CPU cores. The overrides below turn the demo's fine-tuning recipe back
# into the from-scratch one; keep them in step with the config.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${VI_SYNTH:-../shared/data/vi_synth}
OUT=${OUT:-output/demo_pretrain}
PY=${PYTHON:-.venv/bin/python}
"$PY" tools/train.py -c configs/rec/crnn_mv3_demo.yml -o \
  Global.pretrained_model=null Global.save_model_dir="$OUT" Global.epoch_num=5 \
  Global.eval_batch_step=[0,250] Global.save_batch_step=250 \
  Optimizer.lr.learning_rate=0.002 Optimizer.lr.warmup_epoch=0.2 \
  Train.dataset.data_dir="$DATA/train_lmdb" Eval.dataset.data_dir="$DATA/val_lmdb"
mkdir -p demo_data/pretrained
cp "$OUT/latest.pdparams" demo_data/pretrained/crnn_mv3_vi.pdparams
echo "wrote demo_data/pretrained/crnn_mv3_vi.pdparams"
