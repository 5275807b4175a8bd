"""Each benchmark figure as one function: run the same recipe through every side, alternating."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness import logs
from harness.procs import RunResult, run_tool
from harness.report import Figure, Target
from harness.sides import LITE, PADDLEOCR, Side

CONFIGS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "configs")
MODELS = {"SVTR-Tiny": "svtr_tiny_bench.yml", "CRNN-MV3": "crnn_mv3_bench.yml"}
IPS_TARGET = {"SVTR-Tiny": 2.0, "CRNN-MV3": 1.2}


@dataclass
class Bench:
    """Settings and shared state of one benchmark run.

    Attributes:
        sides: ppocr_lite, then PaddleOCR when compared.
        data: The vi_synth folder (train_lmdb, val_lmdb, vi_dict.txt, simple/).
        work: Scratch folder for outputs, checkpoints and the inference image folder.
        opts: The parsed command-line options (steps, rounds, workers, ...).
        checkpoints: Model -> ppocr_lite checkpoint prefix saved by the training runs.
        extra: Figures that are not table rows (FLOPs, parity details), for the JSON file.
    """

    sides: list[Side]
    data: str
    work: str
    opts: Any
    checkpoints: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def config(self, model: str) -> str:
        return os.path.join(CONFIGS, MODELS[model])

    def overrides(self, run_dir: str) -> list[str]:
        """Data, dictionary and output paths: the only things -o changes in every run."""
        return [
            f"Global.character_dict_path={os.path.join(self.data, 'vi_dict.txt')}",
            f"Train.dataset.data_dir={os.path.join(self.data, 'train_lmdb')}",
            f"Eval.dataset.data_dir={os.path.join(self.data, 'val_lmdb')}",
            f"Global.save_model_dir={run_dir}/",
            f"Global.save_res_path={os.path.join(run_dir, 'predicts.txt')}",
        ]

    def rounds(self, count: int | None = None) -> list[list[Side]]:
        """The side order of each of ``count`` rounds (default ``--rounds``): alternating, so
        drift hits both sides alike."""
        count = self.opts.rounds if count is None else count
        return [self.sides if r % 2 == 0 else self.sides[::-1] for r in range(count)]

    def run_dir(self, *parts: str) -> str:
        path = os.path.join(self.work, *parts)
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
        return path


def say(text: str) -> None:
    """Progress on stderr, so stdout holds only the results."""
    print(f"[bench] {text}", file=sys.stderr, flush=True)


def _failed(side: Side, what: str, result: RunResult) -> str:
    tail = "\n".join(result.lines[-15:])
    say(f"{side.name} {what} failed (exit {result.returncode}); last lines:\n{tail}")
    return f"{side.name} {what} failed (exit {result.returncode})"


def _figure(
    name: str,
    model: str,
    runs: dict[str, list[float]],
    target: Target | None,
    notes: Sequence[str] = (),
) -> Figure:
    values = {s: statistics.median(v) if v else None for s, v in runs.items()}
    return Figure(
        name, model, values.get(LITE), values.get(PADDLEOCR), target, dict(runs), "; ".join(notes)
    )


# -- 1. data pipeline ---------------------------------------------------------------------------
def pipeline(bench: Bench, model: str) -> list[Figure]:
    """Train-pipeline samples/s (decode, RecAug, encode, resize, collate) with 1 and all workers."""
    figures = []
    for workers in sorted({1, os.cpu_count() or 1}):
        runs: dict[str, list[float]] = {s.name: [] for s in bench.sides}
        notes = []
        for order in bench.rounds():
            for side in order:
                cmd = side.pipeline(
                    bench.config(model),
                    bench.overrides(bench.work),
                    workers,
                    bench.opts.pipeline_batches,
                    bench.opts.pipeline_repeat,
                )
                result = run_tool(cmd, side.cwd, timeout=1800)
                found = [json.loads(x) for x in result.lines if x.startswith('{"workers"')]
                if result.returncode or not found:
                    notes.append(_failed(side, "pipeline probe", result))
                    continue
                runs[side.name] += found[-1]["samples_per_s"]
                say(
                    f"{model} pipeline {workers} worker(s) {side.name}: "
                    f"{statistics.median(found[-1]['samples_per_s']):.0f} samples/s"
                )
        target = Target("ratio_min", 5.0) if workers == 1 else None
        figures.append(
            _figure(f"data pipeline samples/s, {workers} worker(s)", model, runs, target, notes)
        )
    return figures


# -- 2 and 5. training speed and memory ---------------------------------------------------------
def _train_once(bench: Bench, side: Side, model: str, r: int) -> tuple[RunResult, str]:
    steps = bench.opts.train_steps[model]
    run_dir = bench.run_dir(model, side.name, f"train_{r}")
    overrides = bench.overrides(run_dir) + [
        f"Global.print_batch_step={max(1, steps // 4)}",
        f"Train.loader.num_workers={bench.opts.train_workers}",
    ]
    cmd = side.tool("train", bench.config(model), overrides)
    result = run_tool(cmd, side.cwd, stop_when=lambda lines: logs.last_step(lines) >= steps)
    return result, run_dir


def training(bench: Bench, model: str) -> list[Figure]:
    """Steady-state IPS, avg_reader_cost, avg_batch_cost and peak RSS of tools/train.py."""
    keys = ("ips", "avg_reader_cost", "avg_batch_cost", "peak_rss_mb")
    runs: dict[str, dict[str, list[float]]] = {k: {s.name: [] for s in bench.sides} for k in keys}
    notes = []
    for r, order in enumerate(bench.rounds()):
        for side in order:
            result, run_dir = _train_once(bench, side, model, r)
            windows = logs.train_windows(result.lines)
            try:
                steady = logs.steady_state(windows, bench.opts.warmup_windows)
            except ValueError as exc:
                notes.append(_failed(side, f"training ({exc})", result))
                continue
            for key in keys[:3]:
                runs[key][side.name].append(steady[key])
            runs["peak_rss_mb"][side.name].append(result.peak_rss_mb)
            if side.name == LITE and os.path.isfile(os.path.join(run_dir, "latest.pdparams")):
                bench.checkpoints[model] = os.path.join(run_dir, "latest")
            say(
                f"{model} train {side.name}: {steady['ips']:.2f} samples/s, reader "
                f"{steady['avg_reader_cost']:.4f} s, batch {steady['avg_batch_cost']:.3f} s, "
                f"peak RSS {result.peak_rss_mb:.0f} MB ({result.wall:.0f} s)"
            )
    # Peak memory: the highest of the runs, not their median.
    peak = {side: [max(values)] if values else [] for side, values in runs["peak_rss_mb"].items()}
    memory = _figure(
        "train peak RSS MB (process tree)",
        model,
        peak,
        Target("ratio_max", 1.0),
        ["sum of the RSS of the tool and its data workers, polled every 0.2 s"],
    )
    memory.runs = runs["peak_rss_mb"]
    return [
        _figure(
            "train IPS samples/s (RecAug on)",
            model,
            runs["ips"],
            Target("ratio_min", IPS_TARGET[model]),
            notes,
        ),
        _figure("train avg_reader_cost s", model, runs["avg_reader_cost"], None),
        _figure("train avg_batch_cost s", model, runs["avg_batch_cost"], None),
        memory,
    ]


def initial_checkpoint(bench: Bench, model: str) -> str | None:
    """A ppocr_lite checkpoint of the recipe's model with its initial weights (seed 0), for
    the eval and infer figures when the training figures were not measured."""
    lite = next((s for s in bench.sides if s.name == LITE), None)
    if lite is None:
        return None
    run_dir = bench.run_dir(model, "initial")
    script = os.path.join(os.path.dirname(CONFIGS), "initial_checkpoint.py")
    cmd = [lite.python, script, bench.config(model), run_dir, *bench.overrides(run_dir)]
    result = subprocess.run(cmd, cwd=lite.cwd, capture_output=True, text=True, check=False)
    if result.returncode:
        say(f"{model}: no initial checkpoint: {result.stderr.strip()[-500:]}")
        return None
    return result.stdout.strip().splitlines()[-1]


# -- 3 and 4. evaluation and inference ----------------------------------------------------------
def _read_folder(folder: str) -> None:
    """Read every file once, so that no side's first run pays for the OS file cache of the
    images (or the LMDB)."""
    for root, _, names in os.walk(folder):
        for name in names:
            with open(os.path.join(root, name), "rb") as f:
                while f.read(1 << 20):
                    pass


def _timed_tool(
    bench: Bench, model: str, tool: str, count: int, extra: Callable[[str], list[str]]
) -> list[Figure]:
    """Images/s = count / whole-process wall time of ``tool``, startup included: the first
    (cold) run on the checkpoint, which is what a user meets after every new checkpoint, and
    the median of the later (warm) runs, as separate figures."""
    cold: dict[str, list[float]] = {s.name: [] for s in bench.sides}
    warm: dict[str, list[float]] = {s.name: [] for s in bench.sides}
    notes = []
    checkpoint = bench.checkpoints.get(model)
    if checkpoint is None:
        notes.append("no checkpoint from the training runs: initial weights (same speed)")
        checkpoint = bench.checkpoints[model] = initial_checkpoint(bench, model)

    def once(side: Side, label: str) -> float | None:
        run_dir = bench.run_dir(model, side.name, f"{tool}_{label}")
        overrides = bench.overrides(run_dir) + extra(run_dir)
        if checkpoint:
            overrides.append(f"Global.checkpoints={checkpoint}")
        result = run_tool(side.tool(tool, bench.config(model), overrides), side.cwd)
        if result.returncode:
            notes.append(_failed(side, tool, result))
            return None
        say(
            f"{model} {tool} {side.name} ({label}): {count / result.wall:.1f} images/s "
            f"({result.wall:.1f} s for {count})"
        )
        return count / result.wall

    for side in bench.sides:
        first = once(side, "cold")
        if first is not None:
            cold[side.name].append(first)
    for r, order in enumerate(bench.rounds(bench.opts.tool_rounds)):
        for side in order:
            speed = once(side, f"warm {r}")
            if speed is not None:
                warm[side.name].append(speed)
    target = Target("ratio_min", 2.0 if tool == "eval" else 10.0)
    what = "eval images/s (val LMDB" if tool == "eval" else f"infer_rec images/s ({count} files"
    return [
        _figure(f"{what}, process wall, first run)", model, cold, target, notes),
        _figure(f"{what}, process wall, warm)", model, warm, target),
    ]


def evaluation(bench: Bench, model: str, count: int) -> list[Figure]:
    """tools/eval.py over the val LMDB (same checkpoint for both sides)."""
    _read_folder(os.path.join(bench.data, "val_lmdb"))
    return _timed_tool(bench, model, "eval", count, lambda run_dir: [])


def inference(bench: Bench, model: str, folder: str, count: int) -> list[Figure]:
    """tools/infer_rec.py over a folder of images (same checkpoint for both sides)."""
    _read_folder(folder)
    return _timed_tool(
        bench, model, "infer_rec", count, lambda run_dir: [f"Global.infer_img={folder}"]
    )


# -- 6. accuracy parity -------------------------------------------------------------------------
def parity(bench: Bench, model: str) -> Figure:
    """Val norm_edit_dis after the same number of steps, same data and seed, on each side.

    The config's ``epoch_num`` is kept, so the cosine schedule (no warm-up) stays near its peak
    learning rate for these few hundred steps: a CTC model needs them to get past emitting only
    blanks, where both sides would score 0 and the comparison would say nothing.
    """
    steps = bench.opts.parity_steps
    runs: dict[str, list[float]] = {s.name: [] for s in bench.sides}
    notes = []
    for side in bench.sides:
        run_dir = bench.run_dir(model, side.name, "parity")
        overrides = bench.overrides(run_dir) + [
            f"Global.eval_batch_step=[0,{steps}]",
            f"Global.print_batch_step={max(1, steps // 4)}",
            f"Train.loader.num_workers={bench.opts.train_workers}",
        ]
        cmd = side.tool("train", bench.config(model), overrides)
        result = run_tool(cmd, side.cwd, stop_when=lambda lines: bool(logs.eval_metrics(lines)))
        metrics = logs.eval_metrics(result.lines)
        if not metrics or "norm_edit_dis" not in metrics[0]:
            notes.append(_failed(side, "parity training", result))
            continue
        runs[side.name].append(metrics[0]["norm_edit_dis"])
        bench.extra.setdefault("parity", {})[side.name] = metrics[0]
        say(f"{model} parity {side.name}: after {steps} steps {metrics[0]} ({result.wall:.0f} s)")
    return _figure(
        f"val norm_edit_dis after {steps} steps", model, runs, Target("diff_min", -0.02), notes
    )
