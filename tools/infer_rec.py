"""Recognise text lines: python tools/infer_rec.py [-c CONFIG] -o Global.checkpoints=PATH Global.infer_img=DIR_OR_FILE.

Without -c, the config that training saved beside the checkpoint is read. As PaddleOCR's
infer_rec.py, it sets RecResizeImg.infer_mode: with a character dictionary, a line wider than the
trained ratio keeps its ratio (eval.py squeezes it to the configured width).
"""

from __future__ import annotations

import os
import sys

# Run from a checkout without installing: make the repository importable.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ppocr_lite.cli import load, parse_args, run_tool  # noqa: E402

KEYS = (
    ("Global.checkpoints", "weights to run (a checkpoint prefix)"),
    ("Global.infer_img", "an image, or a folder of images"),
    ("Global.save_res_path", "results file (path<TAB>text<TAB>score)"),
    ("Global.print_results", "true: log every result (default: a summary beyond 10 files)"),
    ("Global.use_gpu", "false: run on the CPU"),
)
EXAMPLE = (
    "python tools/infer_rec.py -c configs/rec/crnn_mv3_demo.yml "
    "-o Global.checkpoints=output/crnn_mv3_demo/best_accuracy Global.infer_img=demo_data/infer"
)


def main() -> None:
    args = parse_args(__doc__, keys=KEYS, example=EXAMPLE, saved_config=True)
    from ppocr_lite.deploy.inference import infer_images  # imports Paddle: after --help

    cfg, gcfg = load(args, sections=())
    infer_images(cfg, gcfg)


if __name__ == "__main__":
    run_tool(main)
