"""Throughput of the training data pipeline on ONE worker, built from a config section.

Decode -> [RecAug] -> CTCLabelEncode -> RecResizeImg -> KeepKeys -> collate, through
ppocr_lite's own ``build_dataloader`` over LMDB, in-process (num_workers=0) and in one worker
process (num_workers=1), without and with RecAug (PaddleOCR's default probabilities). Per-op
costs are in bench/bench_aug.py.

Each case reads ``--batches`` batches after one untimed batch (so worker start-up is excluded);
the first run is a warm-up and the median of ``--repeat`` runs is printed.

    python -m bench.bench_pipeline [--data DIR] [--batches 20] [--repeat 5]   # from the repo root

With ``--config`` it instead measures the ``Train`` section of a YAML config exactly as written
(its transforms, batch size and -o overrides), once per ``--workers`` count, and prints one JSON
line per count with every timed run: this is what bench/run.py calls.

    python -m bench.bench_pipeline --config bench/configs/svtr_tiny_bench.yml \
        -o Train.dataset.data_dir=DIR Global.character_dict_path=DICT --workers 1 2 --json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Sequence
from typing import Any

import cv2

from ppocr_lite.charset import Charset
from ppocr_lite.config.load import load_config
from ppocr_lite.config.overrides import apply_overrides
from ppocr_lite.config.schema import parse_global
from ppocr_lite.data import build_dataloader
from ppocr_lite.data.loader import TextLineLoader

DEFAULT_DATA = "/work/shared/data/vi_synth/train_lmdb"
DICT = os.path.join(os.path.dirname(__file__), "..", "ppocr_lite", "utils", "dict", "vi_dict.txt")
TARGET = 500.0  # samples/s with RecAug on one worker


def train_section(
    data_dir: str, augment: bool, shape: Sequence[int], batch_size: int, workers: int
) -> dict[str, Any]:
    """A ``Train`` section as a YAML config would hold it."""
    transforms: list[dict[str, Any]] = [{"DecodeImage": {"img_mode": "BGR"}}]
    if augment:
        transforms.append({"RecAug": None})
    transforms += [
        {"CTCLabelEncode": None},
        {"RecResizeImg": {"image_shape": list(shape)}},
        {"KeepKeys": {"keep_keys": ["image", "label", "length"]}},
    ]
    return {
        "dataset": {"name": "LMDBDataSet", "data_dir": data_dir, "transforms": transforms},
        "loader": {
            "shuffle": True,
            "drop_last": True,
            "batch_size_per_card": batch_size,
            "num_workers": workers,
        },
    }


def samples_per_second(loader: TextLineLoader, epoch: int, batches: int) -> float:
    """Samples/s over ``batches`` batches of ``epoch``, after one untimed batch."""
    loader.set_epoch(epoch)
    it = iter(loader)
    next(it)
    start, count = time.perf_counter(), 0
    for _ in range(batches):
        count += next(it).size
    seconds = time.perf_counter() - start
    del it  # stops the worker before the next run
    return count / seconds


def timed_runs(loader: TextLineLoader, batches: int, repeat: int) -> list[float]:
    """Samples/s of each of ``repeat`` runs after a warm-up run."""
    samples_per_second(loader, 1, batches)
    return [samples_per_second(loader, 2 + i, batches) for i in range(repeat)]


def bench_case(loader: TextLineLoader, batches: int, repeat: int) -> tuple[float, float, float]:
    """(median, min, max) samples/s of ``repeat`` runs after a warm-up run."""
    runs = timed_runs(loader, batches, repeat)
    return statistics.median(runs), min(runs), max(runs)


def bench_config(
    path: str, overrides: Sequence[str], workers: Sequence[int], batches: int, repeat: int
) -> list[dict[str, Any]]:
    """Timed runs of a config's ``Train`` pipeline, as written, for each worker count."""
    cfg = apply_overrides(load_config(path), list(overrides))
    gcfg = parse_global(cfg["Global"])
    charset = Charset.from_config(gcfg.character_dict_path, gcfg.use_space_char)
    results = []
    for count in workers:
        section = apply_overrides(cfg, [f"Train.loader.num_workers={count}"])["Train"]
        loader = build_dataloader(section, "Train", charset, gcfg)
        batch_size = loader.cfg.batch_size_per_card
        runs = timed_runs(loader, batches, repeat)
        results.append({"workers": count, "batch_size": batch_size, "samples_per_s": runs})
    return results


def config_main(args: argparse.Namespace) -> int:
    """``--config`` mode: one JSON line (or a readable line) per worker count."""
    for result in bench_config(args.config, args.opt, args.workers, args.batches, args.repeat):
        if args.json:
            print(json.dumps(result), flush=True)
        else:
            runs = result["samples_per_s"]
            print(f"workers {result['workers']}: {statistics.median(runs):.0f} samples/s {runs}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=DEFAULT_DATA, help="LMDB folder (train_lmdb)")
    parser.add_argument("--batches", type=int, default=20, help="timed batches per run")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs; the median is shown")
    parser.add_argument("--shape", type=int, nargs=3, default=[3, 48, 320], help="C H W")
    parser.add_argument("--config", help="measure this config's Train section instead")
    parser.add_argument("-o", "--opt", nargs="*", default=[], help="overrides for --config")
    parser.add_argument("--workers", type=int, nargs="+", default=[1], help="with --config")
    parser.add_argument("--json", action="store_true", help="with --config: JSON lines")
    args = parser.parse_args(argv)
    if args.config:
        return config_main(args)
    if not os.path.isfile(os.path.join(args.data, "data.mdb")):
        print(f"skipped: no LMDB at {args.data} (give one with --data)")
        return 0
    # One worker = one core: OpenCV's own thread pool would otherwise spread each call out.
    cv2.setNumThreads(1)
    gcfg = parse_global({"character_dict_path": DICT, "use_space_char": True, "seed": 0})
    charset = Charset.from_config(DICT, True)
    c, h, w = args.shape
    print(
        f"{args.data}: batches of {args.batch_size} at {c}x{h}x{w}, median of {args.repeat} runs "
        f"x {args.batches} batches\n"
    )
    print(f"{'pipeline':34s} {'workers':>7s} {'samples/s':>10s} {'(min - max)':>16s}")
    for augment in (False, True):
        for workers in (0, 1):
            section = train_section(args.data, augment, args.shape, args.batch_size, workers)
            loader = build_dataloader(section, "Train", charset, gcfg)
            median, low, high = bench_case(loader, args.batches, args.repeat)
            name = "decode+RecAug+encode+resize" if augment else "decode+encode+resize (no aug)"
            flag = ("  ok" if median >= TARGET else "  BELOW TARGET") if augment else ""
            print(
                f"{name:34s} {workers:7d} {median:10.0f} {f'({low:.0f} - {high:.0f})':>16s}{flag}"
            )
    print(f"\ntarget: >= {TARGET:.0f} samples/s with RecAug on one worker")
    return 0


if __name__ == "__main__":
    sys.exit(main())
