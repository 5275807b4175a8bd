"""Evaluate a checkpoint on the Eval set: python tools/eval.py [-c CONFIG] -o Global.checkpoints=PATH.

Without -c, the config that training saved beside the checkpoint is read.
"""

from __future__ import annotations

import os
import sys

# Run from a checkout without installing: make the repository importable.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ppocr_lite.cli import load, parse_args, run_tool  # noqa: E402

KEYS = (
    ("Global.checkpoints", "weights to evaluate (a checkpoint prefix)"),
    ("Eval.dataset.data_dir", "evaluation LMDB folder(s)"),
    ("Eval.loader.batch_size_per_card", "batch size"),
    ("Global.use_gpu", "false: evaluate on the CPU"),
    ("Global.save_eval_tsv", "write each line's key, label, prediction, score to this TSV"),
)
EXAMPLE = (
    "python tools/eval.py -c configs/rec/crnn_mv3_demo.yml "
    "-o Global.checkpoints=output/crnn_mv3_demo/best_accuracy"
)


def main() -> None:
    args = parse_args(__doc__, keys=KEYS, example=EXAMPLE, saved_config=True)
    from ppocr_lite.deploy.inference import evaluate_checkpoint  # imports Paddle: after --help

    cfg, gcfg = load(args, sections=("Eval",))
    figures = evaluate_checkpoint(cfg, gcfg)
    for key in ("acc", "norm_edit_dis", "cer", "fps", "samples", "skipped"):
        print(f"{key}: {figures[key]:.6g}")


if __name__ == "__main__":
    run_tool(main)
