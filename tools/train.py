"""Train a text-line recognizer: python tools/train.py -c CONFIG [-o Key.sub=value ...]."""

from __future__ import annotations

import os
import sys

# Run from a checkout without installing: make the repository importable.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ppocr_lite.cli import load, parse_args, run_tool  # noqa: E402

KEYS = (
    ("Global.epoch_num", "epochs to run"),
    ("Global.save_model_dir", "where checkpoints, train.log and metrics.jsonl go"),
    ("Global.checkpoints", "resume from a checkpoint prefix (e.g. output/rec/latest)"),
    ("Global.pretrained_model", "start from these weights (mismatched tensors are skipped)"),
    ("Global.use_gpu", "false: train on the CPU"),
    ("Train.dataset.data_dir", "training LMDB folder(s)"),
    ("Train.loader.batch_size_per_card", "batch per device"),
    ("Train.loader.num_workers", "reader processes"),
    ("Optimizer.lr.learning_rate", "base learning rate"),
)
EXAMPLE = (
    "python tools/train.py -c configs/rec/crnn_mv3_demo.yml "
    "-o Global.epoch_num=5 Train.loader.batch_size_per_card=64 Global.use_gpu=false"
)


def main() -> None:
    args = parse_args(__doc__, keys=KEYS, example=EXAMPLE)
    from ppocr_lite.engine.run import prepare_training  # imports Paddle: after --help

    cfg, gcfg = load(args, sections=("Train",), optional=("Eval",))
    trainer = prepare_training(cfg, gcfg)
    trainer.fit()
    if trainer.exit_code:
        raise SystemExit(trainer.exit_code)


if __name__ == "__main__":
    run_tool(main)
