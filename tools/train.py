"""Train a text-line recognizer: python tools/train.py -c CONFIG [-o Key.sub=value ...]."""

from __future__ import annotations

import os
import sys

# Run from a checkout without installing: make the repository importable.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ppocr_lite.cli import load, parse_args, run_tool  # noqa: E402
from ppocr_lite.engine.run import prepare_training  # noqa: E402


def main() -> None:
    cfg, gcfg = load(parse_args(__doc__), sections=("Train",), optional=("Eval",))
    trainer = prepare_training(cfg, gcfg)
    trainer.fit()
    if trainer.exit_code:
        raise SystemExit(trainer.exit_code)


if __name__ == "__main__":
    run_tool(main)
