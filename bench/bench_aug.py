"""Micro benchmark of text-line augmentation on real JPEG lines, on one core.

Prints milliseconds per sample for every RecAug op (forced on), and samples/s of the full
pipeline decode -> RecAug -> resize to 32 x 100 with all probabilities at PaddleOCR's 0.4 and at
1.0 (PaddleOCR's own RecAug costs about 10 ms per sample).

    python -m bench.bench_aug [--data DIR] [--num 500] [--repeat 3]   # from the repo root
"""

from __future__ import annotations

import argparse
import glob
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import cv2
import numpy as np

from ppocr_lite.data.transforms.augment import OPS, RecAug, RecConAug

DEFAULT_DATA = "/work/shared/data/vi_synth/simple/train"


def load_jpegs(folder: str, num: int) -> list[np.ndarray]:
    """Encoded bytes (as uint8 arrays) of up to ``num`` JPEGs from ``folder``."""
    paths = sorted(glob.glob(os.path.join(folder, "*.jpg")))[:num]
    return [np.fromfile(p, dtype=np.uint8) for p in paths]


def best_seconds(fn: Callable[[], Any], repeat: int) -> float:
    """Fastest of ``repeat`` runs: the least disturbed by other processes on the machine."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bench_ops(images: Sequence[np.ndarray], repeat: int) -> None:
    rng = np.random.default_rng(0)
    print(f"{'op (forced on)':24s} {'ms/sample':>10s}")
    for key, op, min_side in OPS:
        usable = [img for img in images if min(img.shape[:2]) >= min_side]
        secs = best_seconds(lambda op=op, usable=usable: [op(im, rng) for im in usable], repeat)
        print(f"{key:24s} {1e3 * secs / len(usable):10.3f}")


def pipeline(
    jpegs: Sequence[np.ndarray], ops: Sequence[Callable[[dict], dict]], seed: int = 0
) -> None:
    """Decode -> ops -> resize to 32 x 100, with a per-sample generator as the dataset makes."""
    for i, buf in enumerate(jpegs):
        data: dict[str, Any] = {"image": cv2.imdecode(buf, cv2.IMREAD_COLOR), "label": "x"}
        data["rng"] = np.random.default_rng([seed, 0, i])
        for op in ops:
            data = op(data)
        cv2.resize(data["image"], (100, 32), interpolation=cv2.INTER_LINEAR)


def with_ext(jpegs: Sequence[np.ndarray], images: Sequence[np.ndarray]) -> Callable[[dict], dict]:
    """Attach two decoded extra samples, as the dataset does for RecConAug."""

    def attach(data: dict) -> dict:
        j = int(data["rng"].integers(len(images) - 1))
        data["ext_data"] = [
            {"image": images[j], "label": "y"},
            {"image": images[j + 1], "label": "z"},
        ]
        return data

    return attach


def bench_pipelines(jpegs: Sequence[np.ndarray], images: Sequence[np.ndarray], repeat: int) -> None:
    keys = [key for key, _, _ in OPS]
    cases: list[tuple[str, list[Callable[[dict], dict]]]] = [
        ("decode + resize (no aug)", []),
        ("RecAug, PaddleOCR keys at 0.4", [RecAug()]),
        ("RecAug, all 8 ops at 0.4", [RecAug(**{k: 0.4 for k in keys})]),
        ("RecAug, all 8 ops at 1.0", [RecAug(**{k: 1.0 for k in keys})]),
        (
            "RecConAug(0.5, 2 ext) + RecAug 0.4",
            [
                with_ext(jpegs, images),
                RecConAug(prob=0.5, image_shape=[48, 320, 3], ext_data_num=2),
                RecAug(),
            ],
        ),
    ]
    print(f"\n{'decode -> ops -> resize 32x100':36s} {'ms/sample':>10s} {'samples/s':>10s}")
    for name, ops in cases:
        secs = best_seconds(lambda ops=ops: pipeline(jpegs, ops), repeat)
        print(f"{name:36s} {1e3 * secs / len(jpegs):10.3f} {len(jpegs) / secs:10.0f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=DEFAULT_DATA, help="folder of *.jpg text lines")
    parser.add_argument("--num", type=int, default=500, help="images to use")
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; the best is shown")
    args = parser.parse_args(argv)
    jpegs = load_jpegs(args.data, args.num) if os.path.isdir(args.data) else []
    if len(jpegs) < 2:
        print(f"skipped: need JPEG text lines in {args.data} (missing or empty)")
        return 0
    # One core: OpenCV's own thread pool would otherwise split each call across cores.
    cv2.setNumThreads(1)
    images = [cv2.imdecode(buf, cv2.IMREAD_COLOR) for buf in jpegs]
    shapes = np.array([im.shape[:2] for im in images])
    print(f"{len(images)} images from {args.data}, mean H x W = {shapes.mean(0).round(1)}\n")
    bench_ops(images, args.repeat)
    bench_pipelines(jpegs, images, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
