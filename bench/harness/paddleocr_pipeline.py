"""PaddleOCR's side of the data-pipeline figure: run by the PaddleOCR interpreter, not by ppocr_lite.

bench/run.py starts it as ``PYTHON bench/harness/paddleocr_pipeline.py --pkg DIR --config YAML
-o Key=value ... --workers N``, where DIR is the installed ``paddleocr`` package. It builds
PaddleOCR's own ``Train`` loader from the same YAML (its LMDBDataSet, transforms and collate) and
times it like bench/bench_pipeline.py times ppocr_lite's: one untimed batch per run, a warm-up
run, then ``--repeat`` timed runs of ``--batches`` batches, printed as one JSON line. One worker
count per process: PaddleOCR's LMDBDataSet cannot open the same LMDB twice in a process. This
file imports nothing from ppocr_lite (the two interpreters differ).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

import yaml


def _set(cfg: dict[str, Any], dotted: str, value: Any) -> None:
    keys = dotted.split(".")
    node = cfg
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = value


def load(path: str, overrides: list[str]) -> dict[str, Any]:
    """The YAML with ``Key.sub=value`` overrides applied (values parsed as YAML)."""
    with open(path, encoding="utf-8") as f:
        cfg = yaml.safe_load(f)
    for item in overrides:
        key, _, text = item.partition("=")
        _set(cfg, key, yaml.safe_load(text))
    return cfg


def samples_per_second(loader: Any, batches: int) -> float:
    """Samples/s over ``batches`` batches after one untimed batch."""
    it = iter(loader)
    next(it)
    start, count = time.perf_counter(), 0
    for _ in range(batches):
        count += len(next(it)[0])
    seconds = time.perf_counter() - start
    del it
    return count / seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pkg", required=True, help="the paddleocr package folder")
    parser.add_argument("--config", required=True)
    parser.add_argument("-o", "--opt", nargs="*", default=[])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, args.pkg)
    import paddle
    from ppocr.data import build_dataloader
    from ppocr.utils.logging import get_logger

    device = paddle.set_device("cpu")
    logger = get_logger()
    cfg = load(args.config, args.opt)
    cfg["Train"]["loader"]["num_workers"] = args.workers
    loader = build_dataloader(cfg, "Train", device, logger, cfg["Global"].get("seed"))
    samples_per_second(loader, args.batches)  # warm-up
    runs = [samples_per_second(loader, args.batches) for _ in range(args.repeat)]
    batch_size = cfg["Train"]["loader"]["batch_size_per_card"]
    print(json.dumps({"workers": args.workers, "batch_size": batch_size, "samples_per_s": runs}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
