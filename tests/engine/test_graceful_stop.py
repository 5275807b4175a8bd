"""Stopping on purpose: SIGINT (once: save and exit 130; twice: exit at once), early stopping,
and the NaN guard (skip non-finite steps, stop after Global.max_nan_steps in a row).
Signals to a whole process group, with workers, are in test_signal_stop.py."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np
import paddle

from ppocr_lite.checkpoint.files import read_state
from ppocr_lite.config.schema import parse_global
from ppocr_lite.engine.run import prepare_training

from ..conftest import small_config
from .train_process import launch

TIMEOUT = 120


def long_config(tiny: dict[str, Any], out: Path, **glob: Any) -> dict[str, Any]:
    """A run far longer than any test waits for, without evaluation."""
    cfg = small_config(tiny, out)
    cfg.pop("Eval")
    cfg["Global"].update({"epoch_num": 50, "print_batch_step": 1, "save_batch_step": 0, **glob})
    return cfg


def read_until(proc: subprocess.Popen, text: str) -> list[str]:
    """Lines up to and including the first one containing ``text`` (fails if the run ends)."""
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if text in line:
            return lines
    proc.wait()
    raise AssertionError(f"{text!r} never printed:\n" + "".join(lines))


def finish(proc: subprocess.Popen) -> tuple[int, str]:
    try:
        rest, _ = proc.communicate(timeout=TIMEOUT)
    finally:
        proc.kill()
    return proc.returncode, rest


def events(out: Path, name: str) -> list[dict[str, Any]]:
    lines = (out / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    return [r for r in map(json.loads, lines) if r["event"] == name]


def test_sigint_saves_latest_and_exits_130(tiny_lmdb: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = launch(long_config(tiny_lmdb, out), tmp_path / "cfg.yml")
    read_until(proc, "global_step: 3,")
    sent = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    code, rest = finish(proc)
    took = time.perf_counter() - sent
    assert code == 128 + signal.SIGINT, rest  # a stopped run, not a finished one
    assert took < 10, f"took {took:.1f} s to stop"
    assert "saving latest and exiting" in rest and "saved " in rest
    state = read_state(out / "latest")
    assert 3 <= state.global_step < 50 * 6
    assert state.global_step == events(out, "train")[-1]["global_step"]  # no trained step lost


def test_second_sigint_exits_at_once(tiny_lmdb: dict[str, Any], tmp_path: Path) -> None:
    proc = launch(long_config(tiny_lmdb, tmp_path / "out"), tmp_path / "cfg.yml")
    read_until(proc, "global_step: 3,")
    proc.send_signal(signal.SIGINT)
    # Two signals sent back to back would reach Python's handler once: wait for the first.
    read_until(proc, "send again to exit immediately")
    sent = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    code, rest = finish(proc)
    assert code == 128 + signal.SIGINT, rest
    assert time.perf_counter() - sent < 5
    assert "done: global_step" not in rest


def in_process(cfg: dict[str, Any]) -> Any:
    return prepare_training(cfg, parse_global(cfg["Global"]))


def test_early_stop_after_patience(tiny_lmdb: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "out"
    cfg = small_config(tiny_lmdb, out)
    patience = 2
    # A learning rate this small leaves the predictions (all blank) unchanged: no improvement.
    cfg["Optimizer"]["lr"] = {"name": "Const", "learning_rate": 1e-9}
    cfg["Global"].update(epoch_num=10, eval_batch_step=[0, 2], early_stop_patience=patience)
    trainer = in_process(cfg)
    state = trainer.fit()
    assert trainer.stop_reason.startswith("early stop: 2 evaluations without improvement of acc")
    evals = events(out, "eval")
    last_best = max(i for i, e in enumerate(evals) if e["is_best"])
    assert len(evals) - 1 - last_best == patience
    assert state.global_step == evals[-1]["global_step"] < 10 * 6
    assert state.evals_since_best == patience
    assert read_state(out / "latest").global_step == state.global_step
    assert "early stop" in (out / "train.log").read_text(encoding="utf-8")


class Poisoned:
    """The model, with a non-finite forward pass on the chosen calls (1-based).

    The input goes non-finite (as an overflow in the backbone would, reaching the BatchNorm
    statistics) and so do the logits (ReLU turns NaN into 0, so the input alone would not
    reach the loss).
    """

    def __init__(self, model: Any, bad_calls: set[int]) -> None:
        self.model, self.bad_calls, self.calls = model, bad_calls, 0

    def __call__(self, image: paddle.Tensor, batch: Any) -> paddle.Tensor:
        self.calls += 1
        if self.calls not in self.bad_calls:
            return self.model(image, batch)
        return self.model(image * float("nan"), batch) * float("nan")


def test_nan_guard_skips_then_stops(tiny_lmdb: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "out"
    cfg = long_config(tiny_lmdb, out, max_nan_steps=3, epoch_num=3)
    trainer = in_process(cfg)
    # Calls 3-4 are non-finite (skipped, then training goes on); from call 7 on they all are.
    trainer.p.model = Poisoned(trainer.p.model, {3, 4, *range(7, 100)})
    state = trainer.fit()
    assert "3 non-finite losses in a row (Global.max_nan_steps)" in trainer.stop_reason
    assert state.global_step == 4  # calls 1, 2, 5, 6 updated the model
    assert [e["streak"] for e in events(out, "nan_loss")] == [1, 2, 1, 2, 3]
    log = (out / "train.log").read_text(encoding="utf-8")
    assert "non-finite loss nan at step 2: update skipped (1 in a row)" in log
    assert "lower the learning rate" in log
    saved = read_state(out / "latest")
    # The batch that ended the run (call 9, batch 3 of epoch 2) is not counted as done: a
    # resume, with a lower learning rate, tries it again.
    assert (saved.global_step, saved.epoch, saved.epoch_step) == (4, 2, 2)
    # A skipped step must leave no trace in the weights, BN running statistics included.
    weights = paddle.load(str(out / "latest.pdparams"))
    bad = [k for k, v in weights.items() if not np.isfinite(np.asarray(v)).all()]
    assert not bad, f"non-finite tensors saved after skipped steps: {bad[:4]}"
