"""Recognise images with an exported model: python tools/infer/predict_rec.py --model_dir DIR --image_dir DIR_OR_FILE.

The preprocessing is the config's Eval transforms (recorded in inference.yml), as in eval.py and
infer_rec.py. Lines wider than the trained ratio keep their ratio (PaddleOCR's predict_rec) when the
model was exported with a dynamic width, unless --widen_long_lines false squeezes them to the
trained width as eval.py does (then all three give the same text and score). Batches are formed
by aspect ratio. Prints path<TAB>text<TAB>score per image (or writes them to --save_res_path) and
a benchmark summary: images/s over the whole run, and per-batch latency percentiles (p50/p90/p99)
of the model call and of preprocessing + model + decode.
"""

from __future__ import annotations

import argparse
import os
import sys

# Run from a checkout without installing: make the repository importable.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from ppocr_lite.cli import run_tool  # noqa: E402
from ppocr_lite.deploy.layout import BACKENDS, PRECISIONS  # noqa: E402


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model_dir", required=True, help="folder from tools/export_model.py")
    p.add_argument("--image_dir", required=True, help="an image, or a folder (recursively)")
    p.add_argument("--backend", choices=BACKENDS, default="paddle")
    p.add_argument("--use_gpu", type=lambda v: v.lower() in ("1", "true"), default=False)
    p.add_argument("--precision", choices=PRECISIONS, default="fp32")
    p.add_argument("--batch_size", "--rec_batch_num", type=int, default=16)
    p.add_argument("--cpu_threads", type=int, default=None)
    p.add_argument("--warmup", type=int, default=1, help="untimed batches first")
    p.add_argument("--save_res_path", default=None, help="write results here instead of printing")
    p.add_argument(
        "--widen_long_lines",
        type=lambda v: v.lower() in ("1", "true"),
        default=None,
        help="true: lines wider than the trained ratio keep it (PaddleOCR's predict_rec); "
        "false: squeezed as eval.py does; default: true for a dynamic-width export",
    )
    return p.parse_args()


def main() -> None:
    a = parse()
    from ppocr_lite.deploy.api import TextRecognizer  # imports Paddle: after --help
    from ppocr_lite.deploy.benchmark import timed_run
    from ppocr_lite.deploy.files import list_images

    paths = list_images(a.image_dir, "--image_dir", only_images=True)
    rec = TextRecognizer(
        a.model_dir,
        a.backend,
        a.use_gpu,
        a.precision,
        a.batch_size,
        a.cpu_threads,
        a.widen_long_lines,
    )
    results, summary = timed_run(rec.pipeline, paths, warmup=a.warmup)
    lines = "".join(r.line(path) for path, r in zip(paths, results, strict=True))
    if a.save_res_path:
        os.makedirs(os.path.dirname(os.path.abspath(a.save_res_path)), exist_ok=True)
        with open(a.save_res_path, "w", encoding="utf-8") as out:
            out.write(lines)
    else:
        print(lines, end="")
    print(f"backend: {a.backend}, batch_size: {a.batch_size}, precision: {a.precision}")
    print(summary.format())


if __name__ == "__main__":
    run_tool(main)
