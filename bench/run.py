"""ppocr_lite vs PaddleOCR 2.9 on one recipe: data pipeline, training, evaluation, inference, memory.

    python bench/run.py [--data DIR] [--vs-paddleocr PYTHON] [--json out.json] [--quick]
                        [--models SVTR-Tiny CRNN-MV3] [--rounds N] [--tool-rounds N] ...

For SVTR-Tiny (bench/configs/svtr_tiny_bench.yml) and CRNN-MV3 (crnn_mv3_bench.yml) at batch 64
on the vi_synth data it measures, each as the median of several runs after warm-up:
  1. data pipeline samples/s (decode, RecAug, label encode, resize, collate), 1 and all workers;
  2. training IPS in steady state, avg_reader_cost and avg_batch_cost (tools/train.py, RecAug on);
  3. evaluation images/s over the val LMDB (tools/eval.py, whole process);
  4. tools/infer_rec.py images/s over a folder of images (whole process, startup included);
  (3 and 4: the first run on the checkpoint, cold, and the median of the later, warm, runs);
  5. peak RSS of training (the tool and its data workers);
  6. val norm_edit_dis of CRNN-MV3 after the same number of steps (accuracy parity).
With ``--vs-paddleocr PYTHON`` the same YAMLs also run through PaddleOCR's tools/train.py, eval.py
and infer_rec.py from the ``paddleocr`` package that PYTHON imports, alternating the two sides,
and each figure is shown as a ratio ppocr_lite / PaddleOCR against its target.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # the harness package

from harness import recipes  # noqa: E402
from harness.report import Figure, cpu_peak, format_table  # noqa: E402
from harness.sides import REPO, lite_side, paddleocr_side  # noqa: E402

DEFAULT_DATA = os.path.join(os.path.dirname(REPO), "shared", "data", "vi_synth")
FLOPS_LINE = re.compile(r"FLOPs per image \(= 2 x MACs\): (\d+)")


SECTIONS = ("pipeline", "train", "eval", "infer", "parity")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--data",
        default=DEFAULT_DATA,
        help="vi_synth folder: train_lmdb/, val_lmdb/, vi_dict.txt, simple/train/",
    )
    p.add_argument(
        "--vs-paddleocr", metavar="PYTHON", help="interpreter that imports paddleocr 2.9"
    )
    p.add_argument("--json", metavar="PATH", help="also write every figure and run here")
    p.add_argument("--rounds", type=int, default=2, help="alternating rounds per figure")
    p.add_argument(
        "--tool-rounds",
        type=int,
        default=3,
        help="alternating rounds of eval.py and infer_rec.py (whole processes, whose wall time "
        "varies most between runs: an odd count gives a true median)",
    )
    p.add_argument("--svtr-steps", type=int, default=20, help="training steps per SVTR run")
    p.add_argument("--crnn-steps", type=int, default=40, help="training steps per CRNN run")
    p.add_argument(
        "--warmup-windows",
        type=int,
        default=1,
        help="log windows (steps/4 each) dropped as warm-up",
    )
    p.add_argument("--train-workers", type=int, default=1, help="data workers while training")
    p.add_argument("--pipeline-batches", type=int, default=5, help="timed batches per run")
    p.add_argument("--pipeline-repeat", type=int, default=3, help="timed runs per probe")
    p.add_argument("--infer-images", type=int, default=1000, help="images in the infer folder")
    p.add_argument("--parity-steps", type=int, default=300, help="CRNN steps before the val check")
    p.add_argument("--fma-units", type=int, default=2, help="FMA units per core (peak FLOPs)")
    p.add_argument("--work", help="scratch folder (default: a temporary one, removed after)")
    p.add_argument(
        "--sections",
        nargs="+",
        choices=SECTIONS,
        default=list(SECTIONS),
        help="which figures to measure (eval and infer use the checkpoint of train when it ran, "
        "else a checkpoint of the initial weights: the speed is the same)",
    )
    p.add_argument(
        "--models",
        nargs="+",
        choices=list(recipes.MODELS),
        default=list(recipes.MODELS),
        help="which recipes to run",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 1 round, a few steps, 100 images, no parity check (2-3 min on an idle "
        "2-core machine for ppocr_lite alone, or with --vs-paddleocr --models CRNN-MV3)",
    )
    args = p.parse_args(argv)
    if args.quick:
        args.rounds, args.tool_rounds, args.svtr_steps, args.crnn_steps = 1, 1, 4, 8
        args.pipeline_batches, args.pipeline_repeat, args.infer_images = 2, 1, 100
        args.parity_steps = 0
    args.train_steps = {"SVTR-Tiny": args.svtr_steps, "CRNN-MV3": args.crnn_steps}
    return args


def check_data(data: str) -> str | None:
    """Why ``data`` cannot be used (None when it can)."""
    needed = ["train_lmdb/data.mdb", "val_lmdb/data.mdb", "vi_dict.txt", "simple/train"]
    missing = [n for n in needed if not os.path.exists(os.path.join(data, n))]
    if missing:
        return (
            f"benchmark data not found: {data} lacks {', '.join(missing)}. Give the vi_synth "
            "folder with --data DIR (see bench/README or the issue for its layout)."
        )
    return None


def lmdb_count(path: str) -> int:
    """``num-samples`` of an LMDB folder."""
    import lmdb

    with lmdb.open(path, readonly=True, lock=False) as env, env.begin() as txn:
        return int(txn.get(b"num-samples"))


def infer_folder(data: str, work: str, count: int) -> tuple[str, int]:
    """A folder with the first ``count`` images of simple/train (fewer if it has fewer)."""
    src = os.path.join(data, "simple", "train")
    names = sorted(n for n in os.listdir(src) if n.lower().endswith((".jpg", ".png")))[:count]
    dst = os.path.join(work, "infer_images")
    os.makedirs(dst, exist_ok=True)
    for name in names:
        shutil.copyfile(os.path.join(src, name), os.path.join(dst, name))
    return dst, len(names)


def flops_fraction(bench: recipes.Bench, figures: list[Figure]) -> dict[str, object]:
    """Fraction of the CPU's fp32 peak that the SVTR-Tiny training step reaches, per side."""
    rows = [f for f in figures if f.model == "SVTR-Tiny" and f.name.startswith("train IPS")]
    if not rows:
        return {"error": "SVTR-Tiny was not trained in this run"}
    ips = rows[0]
    cmd = [
        sys.executable,
        os.path.join(REPO, "tools", "model_summary.py"),
        "-c",
        bench.config("SVTR-Tiny"),
        "-o",
        *bench.overrides(bench.work),
    ]
    out = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, encoding="utf-8")
    match = FLOPS_LINE.search(out.stdout)
    if not match:
        return {"error": "tools/model_summary.py printed no FLOPs line"}
    forward = int(match.group(1))
    peak = cpu_peak(bench.opts.fma_units)
    result: dict[str, object] = {
        "forward_flops_per_image": forward,
        "train_flops_per_image": 3 * forward,
        "peak_gflops": peak.gflops,
        "peak_assumption": peak.assumption,
    }
    for side, value in (("ppocr_lite", ips.lite), ("PaddleOCR", ips.paddleocr)):
        if value is not None:
            result[side] = 3 * forward * value / (peak.gflops * 1e9)
    return result


def measure(bench: recipes.Bench, val_count: int, folder: str, count: int) -> list[Figure]:
    """Every figure, model by model (training first: it saves the checkpoint used later)."""
    figures: list[Figure] = []
    wanted = set(bench.opts.sections)
    for model in bench.opts.models:
        if "pipeline" in wanted:
            figures += recipes.pipeline(bench, model)
        if "train" in wanted:
            figures += recipes.training(bench, model)
        if "eval" in wanted:
            figures += recipes.evaluation(bench, model, val_count)
        if "infer" in wanted:
            figures += recipes.inference(bench, model, folder, count)
    if "parity" in wanted and bench.opts.parity_steps > 0 and "CRNN-MV3" in bench.opts.models:
        figures.append(recipes.parity(bench, "CRNN-MV3"))
    return figures


def print_results(figures: list[Figure], fraction: dict[str, object], elapsed: float) -> None:
    print(format_table(figures))
    print(
        "\nratio = ppocr_lite / PaddleOCR (accuracy: difference); medians over the runs; "
        "costs in s/step; RSS summed over the training process and its data workers"
    )
    if "error" in fraction:
        print(f"\nSVTR-Tiny fraction of fp32 peak: {fraction['error']}")
    else:
        print(
            f"\nSVTR-Tiny training, fraction of the CPU's fp32 peak: 3 x "
            f"{fraction['forward_flops_per_image'] / 1e9:.3f} GFLOPs/image (forward from "
            f"tools/model_summary.py; training ~ 3x forward) x IPS / peak\n"
            f"  peak {fraction['peak_gflops']:.0f} GFLOP/s = {fraction['peak_assumption']}"
        )
        for side in ("ppocr_lite", "PaddleOCR"):
            if side in fraction:
                print(f"  {side}: {100 * float(fraction[side]):.1f}% of peak")  # type: ignore[arg-type]
    for f in figures:
        if f.note:
            print(f"note ({f.model}: {f.name}): {f.note}")
    print(f"\nbenchmark wall time: {elapsed / 60:.1f} min")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    problem = check_data(args.data)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    sides = [lite_side()]
    if args.vs_paddleocr:
        try:
            sides.append(paddleocr_side(args.vs_paddleocr))
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 2
    work = args.work or tempfile.mkdtemp(prefix="ppocr_lite_bench_")
    os.makedirs(work, exist_ok=True)
    start = time.perf_counter()
    try:
        bench = recipes.Bench(sides, os.path.abspath(args.data), os.path.abspath(work), args)
        folder, count = infer_folder(bench.data, bench.work, args.infer_images)
        val_count = lmdb_count(os.path.join(bench.data, "val_lmdb"))
        figures = measure(bench, val_count, folder, count)
        fraction = flops_fraction(bench, figures)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    print_results(figures, fraction, time.perf_counter() - start)
    if args.json:
        payload = {
            "settings": {k: v for k, v in vars(args).items() if k != "train_steps"},
            "sides": {s.name: {"python": s.python, "root": s.root} for s in sides},
            "figures": [f.to_dict() for f in figures],
            "svtr_fraction_of_peak": fraction,
            "extra": bench.extra,
        }
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(payload, f, indent=2, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
