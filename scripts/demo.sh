#!/usr/bin/env bash
# Set up ./.venv, fine-tune the small pretrained Vietnamese CRNN on the bundled demo lines (CPU),
# evaluate it on the 200 validation lines, and read the images of demo_data/infer.
# Extra arguments are passed to tools/train.py, e.g. -o Global.epoch_num=5
set -euo pipefail
cd "$(dirname "$0")/.."
CFG=configs/rec/crnn_mv3_demo.yml
OUT=output/crnn_mv3_demo
PY=.venv/bin/python
bash scripts/setup_env.sh
"$PY" tools/train.py -c "$CFG" "$@"
echo "== evaluation of $OUT/best_accuracy on demo_data/vi_demo/val"
"$PY" tools/eval.py -c "$CFG" -o Global.checkpoints="$OUT/best_accuracy"
echo "== demo_data/infer: prediction | label"
"$PY" tools/infer_rec.py -c "$CFG" -o Global.checkpoints="$OUT/best_accuracy" \
  Global.infer_img=demo_data/infer Global.save_res_path="$OUT/predicts_rec.txt" > /dev/null
"$PY" - "$OUT/predicts_rec.txt" demo_data/infer_labels.txt <<'PYEOF'
import os, sys
sys.stdout.reconfigure(errors="backslashreplace")
with open(sys.argv[2], encoding="utf-8") as f:
    labels = dict(line.rstrip("\n").split("\t", 1) for line in f if "\t" in line)
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        path, text, score = (line.rstrip("\n").split("\t") + ["", ""])[:3]
        if score.startswith("error:") or text.startswith("error:"):
            continue
        label = labels.get(os.path.basename(path), "?")
        print(f"{'ok ' if text == label else '   '}{os.path.basename(path)}  {text}  |  {label}")
PYEOF
cat <<TXT
== next steps
  evaluate:  $PY tools/eval.py -c $CFG -o Global.checkpoints=$OUT/best_accuracy
  recognise: $PY tools/infer_rec.py -c $CFG -o Global.checkpoints=$OUT/best_accuracy Global.infer_img=demo_data/infer
  resume:    $PY tools/train.py -c $CFG -o Global.checkpoints=$OUT/latest Global.epoch_num=6
  report:    $PY tools/report_card.py $OUT
TXT
