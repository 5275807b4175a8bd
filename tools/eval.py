"""Evaluate a checkpoint on the Eval set: python tools/eval.py -c CONFIG -o Global.checkpoints=PATH."""

from __future__ import annotations

import os
import sys

# Run from a checkout without installing: make the repository importable.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ppocr_lite.cli import load, parse_args, run_tool  # noqa: E402
from ppocr_lite.engine.inference import evaluate_checkpoint  # noqa: E402


def main() -> None:
    cfg, gcfg = load(parse_args(__doc__), sections=("Eval",))
    figures = evaluate_checkpoint(cfg, gcfg)
    for key in ("acc", "norm_edit_dis", "cer", "fps", "samples", "skipped"):
        print(f"{key}: {figures[key]:.6g}")


if __name__ == "__main__":
    run_tool(main)
