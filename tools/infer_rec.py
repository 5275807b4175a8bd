"""Recognise text lines: python tools/infer_rec.py -c CONFIG -o Global.checkpoints=PATH Global.infer_img=DIR_OR_FILE."""

from __future__ import annotations

import os
import sys

# Run from a checkout without installing: make the repository importable.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ppocr_lite.cli import load, parse_args, run_tool  # noqa: E402
from ppocr_lite.engine.inference import infer_images  # noqa: E402


def main() -> None:
    cfg, gcfg = load(parse_args(__doc__), sections=())
    infer_images(cfg, gcfg)


if __name__ == "__main__":
    run_tool(main)
