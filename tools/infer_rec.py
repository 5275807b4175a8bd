"""Recognise text lines: python tools/infer_rec.py [-c CONFIG] -o Global.checkpoints=PATH Global.infer_img=DIR_OR_FILE.

Without -c, the config that training saved beside the checkpoint is read.
"""

from __future__ import annotations

import os
import subprocess
import sys

# Run from a checkout without installing: make the repository importable.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ppocr_lite.cli import load, parse_args, read_config, run_tool  # noqa: E402
from ppocr_lite.config.schema import parse_global  # noqa: E402
from ppocr_lite.deploy.onnx_cache import PADDLE_RUN_ENV, run_cached  # noqa: E402

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
    # A checkpoint and config seen before: its cached ONNX graph, without importing Paddle.
    cfg = read_config(args)
    if os.environ.get(PADDLE_RUN_ENV) != "1":
        if run_cached(cfg, parse_global(cfg.get("Global"), args.config, warn=False)) is not None:
            return
        if "openvino" in sys.modules:  # it must not share a process with Paddle: start afresh
            command = [sys.executable, os.path.abspath(__file__), *sys.argv[1:]]
            sys.exit(subprocess.call(command, env={**os.environ, PADDLE_RUN_ENV: "1"}))
    from ppocr_lite.engine.inference import infer_images

    cfg, gcfg = load(args, sections=(), cfg=cfg)
    infer_images(cfg, gcfg)


if __name__ == "__main__":
    run_tool(main)
