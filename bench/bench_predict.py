"""Throughput of tools/infer/predict_rec.py: batched vs one image at a time, Paddle vs ONNX.

Exports each model (random weights with a fixed seed, or --checkpoint; speed does not depend
on the values), writes ``--images`` validation lines of vi_synth as JPEG files, then runs
predict_rec.py on them as a user would, once per (backend, batch size) and ``--rounds`` times
in alternation (the machine may be shared: the median is reported). images/s is the wall time
from the first file read to the last string (process start-up and one warm-up batch excluded).

    python bench/bench_predict.py [--models crnn_mv3 svtr_tiny] [--images 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import lmdb  # noqa: E402

from ppocr_lite.config.load import load_config  # noqa: E402
from ppocr_lite.config.overrides import apply_overrides  # noqa: E402
from ppocr_lite.deploy.export import export_model  # noqa: E402
from ppocr_lite.deploy.onnx_backend import export_onnx  # noqa: E402
from ppocr_lite.validate import check_config  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from initial_checkpoint import initial_checkpoint  # noqa: E402

DATA = Path("/work/shared/data/vi_synth")
CONFIGS = {"crnn_mv3": "crnn_mv3_demo.yml", "svtr_tiny": "svtr_tiny.yml"}
TARGET = 5.0  # batched / one-by-one on the CPU


def write_images(lmdb_dir: Path, n: int, out: Path) -> None:
    """The first ``n`` samples of an LMDB as JPEG files."""
    out.mkdir(parents=True, exist_ok=True)
    env = lmdb.open(str(lmdb_dir), readonly=True, lock=False)
    with env.begin() as txn:
        total = int(txn.get(b"num-samples"))
        for i in range(1, min(n, total) + 1):
            (out / f"{i:05d}.jpg").write_bytes(txn.get(f"image-{i:09d}".encode()))
    env.close()


def export(name: str, work: Path, checkpoint: str | None) -> Path:
    """Export ``name`` (its config, vi_synth's dictionary) to ``work/name`` with ONNX beside it."""
    cfg = load_config(ROOT / "configs" / "rec" / CONFIGS[name])
    opts = [
        "Global.use_gpu=false",
        f"Global.character_dict_path={DATA / 'vi_dict.txt'}",
        f"Global.save_inference_dir={work / name}",
    ]
    cfg = apply_overrides(cfg, opts)
    if checkpoint is None:
        checkpoint = str(
            initial_checkpoint(
                ROOT / "configs" / "rec" / CONFIGS[name], work / f"{name}_ckpt", opts
            )
        )
    cfg = apply_overrides(cfg, [f"Global.checkpoints={checkpoint}"])
    result = export_model(cfg, check_config(cfg, name, sections=(), optional=()))
    export_onnx(result.model_dir)
    return result.model_dir


def predict(
    model_dir: Path, images: Path, backend: str, batch_size: int, threads: int
) -> tuple[float, str]:
    """images/s of one predict_rec.py run, and its summary lines."""
    cmd = [
        sys.executable,
        str(ROOT / "tools" / "infer" / "predict_rec.py"),
        "--model_dir",
        str(model_dir),
    ]
    cmd += ["--image_dir", str(images), "--backend", backend, "--batch_size", str(batch_size)]
    cmd += ["--cpu_threads", str(threads)]
    cmd += ["--save_res_path", str(model_dir / f"res_{backend}_{batch_size}.txt")]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(proc.stdout + proc.stderr)
    found = re.search(r"= ([\d.]+) images/s", proc.stdout)
    if not found:
        raise SystemExit(f"no images/s in:\n{proc.stdout}")
    summary = "\n".join(
        line for line in proc.stdout.splitlines() if "batch" in line or "images" in line
    )
    return float(found.group(1)), summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", choices=sorted(CONFIGS), default=["crnn_mv3"])
    parser.add_argument(
        "--backends", nargs="+", choices=("paddle", "onnx"), default=["paddle", "onnx"]
    )
    parser.add_argument("--batch_sizes", nargs="+", type=int, default=[1, 8, 32, 64])
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--checkpoint", default=None, help="weights (one model only)")
    parser.add_argument("--cpu_threads", nargs="+", type=int, default=[1, 2])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        write_images(DATA / "val_lmdb", args.images, work / "images")
        for name in args.models:
            model_dir = export(name, work, args.checkpoint)
            for threads in args.cpu_threads:
                report(name, model_dir, work / "images", threads, args)


def report(
    name: str, model_dir: Path, images: Path, threads: int, args: argparse.Namespace
) -> None:
    """Run every (backend, batch size) ``args.rounds`` times and print the medians."""
    speeds: dict[tuple[str, int], list[float]] = {}
    for _ in range(args.rounds):
        for backend in args.backends:
            for bs in args.batch_sizes:
                ips, summary = predict(model_dir, images, backend, bs, threads)
                speeds.setdefault((backend, bs), []).append(ips)
                print(f"[{name} {backend} batch {bs} threads {threads}]\n{summary}", flush=True)
    print(
        f"\n{name}, {threads} thread(s): median images/s of {args.rounds} round(s), {args.images} images"
    )
    for backend in args.backends:
        base = statistics.median(speeds[(backend, args.batch_sizes[0])])
        for bs in args.batch_sizes:
            med = statistics.median(speeds[(backend, bs)])
            print(f"  {backend:6s} batch {bs:3d}: {med:8.1f} images/s  x{med / base:.2f}")
        best = max(statistics.median(speeds[(backend, bs)]) for bs in args.batch_sizes)
        verdict = "OK" if best / base >= TARGET else "below target"
        print(
            f"  {backend}: best batched / one-by-one x{best / base:.2f} (target x{TARGET}): {verdict}"
        )
    print(flush=True)


if __name__ == "__main__":
    main()
