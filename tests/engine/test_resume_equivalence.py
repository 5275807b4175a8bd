"""A run stopped mid-epoch and resumed trains exactly like one that was never stopped.

Same config, same seed: the per-step losses (``metrics.jsonl`` "train" events, logged every
step with no smoothing) and the final weights must match. Augmentation (RecAug) is on, and the
interrupted run also uses 2 loader workers: a sample's augmentation is a function of
(seed, epoch, index), so neither the worker split nor the restart may change it.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import paddle
import pytest

from ppocr_lite.checkpoint.files import read_state
from ppocr_lite.config.schema import parse_global
from ppocr_lite.engine.run import prepare_training

from ..conftest import small_config
from .train_process import launch

EPOCHS = 2  # 6 steps per epoch (48 samples, batch 8)
STOP_AFTER = 3  # SIGINT once step 3 is logged: the run stops mid-epoch 1
TIMEOUT = 120


def equivalence_config(tiny: dict[str, Any], out: Path, workers: int) -> dict[str, Any]:
    cfg = small_config(tiny, out)
    cfg.pop("Eval")  # evaluation does not touch the weights; leaving it out keeps runs short
    cfg["Global"].update(
        epoch_num=EPOCHS,
        print_batch_step=1,
        log_smooth_window=1,  # log the raw loss of each step, not a window mean
        save_batch_step=0,
        eval_batch_step=[0, 1000],
        auto_resume=True,
    )
    transforms = cfg["Train"]["dataset"]["transforms"]
    transforms.insert(1, {"RecAug": None})
    cfg["Train"]["loader"].update(num_workers=workers, shuffle=True)
    return cfg


def run_to_end(cfg: dict[str, Any], path: Path) -> str:
    proc = launch(cfg, path)
    out, _ = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0, out
    return out


def run_and_interrupt(cfg: dict[str, Any], path: Path, after_step: int) -> str:
    """SIGINT the run once ``global_step: after_step`` is logged; it saves latest and exits 130."""
    proc = launch(cfg, path)
    lines: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        if f"global_step: {after_step}," in line:
            proc.send_signal(signal.SIGINT)
            break
    timer = threading.Timer(TIMEOUT, proc.kill)
    timer.start()
    try:
        lines += proc.stdout.readlines()
        proc.wait()
    finally:
        timer.cancel()
    text = "".join(lines)
    assert proc.returncode == 128 + signal.SIGINT, text  # stopped, not finished
    return text


def step_losses(out: Path) -> dict[int, float]:
    """Loss per global step; a step logged twice (redone after a resume) keeps its last value."""
    losses = {}
    for line in (out / "metrics.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["event"] == "train":
            losses[record["global_step"]] = record["loss"]
    return losses


def weights(out: Path) -> dict[str, np.ndarray]:
    return {k: np.asarray(v) for k, v in paddle.load(str(out / "latest.pdparams")).items()}


def test_seed_fixes_initial_weights(tiny_lmdb: dict[str, Any], tmp_path: Path) -> None:
    """Global.seed alone decides the initial weights, whatever the global RNG did before."""
    cfg = equivalence_config(tiny_lmdb, tmp_path / "a", workers=0)
    first = {}
    for name, noise in (("a", 1), ("b", 2)):
        cfg["Global"]["save_model_dir"] = str(tmp_path / name)
        paddle.seed(noise)
        trainer = prepare_training(cfg, parse_global(cfg["Global"]))
        params = {k: v.numpy() for k, v in trainer.p.components.model.state_dict().items()}
        if not first:
            first = params
            continue
        differ = [k for k in first if not np.array_equal(first[k], params[k])]
        assert not differ, (
            f"same Global.seed, different initial weights ({len(differ)} tensors, e.g. "
            f"{differ[:2]}): prepare_training must call paddle.seed(Global.seed) before "
            "building the model"
        )


@pytest.fixture(scope="module")
def straight(tiny_lmdb: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference: one uninterrupted run without workers."""
    root = tmp_path_factory.mktemp("straight")
    cfg = equivalence_config(tiny_lmdb, root / "out", workers=0)
    run_to_end(cfg, root / "cfg.yml")
    return root / "out"


@pytest.mark.parametrize("workers", [0, 2])
def test_interrupted_run_matches_straight_run(
    straight: Path, tiny_lmdb: dict[str, Any], tmp_path: Path, workers: int
) -> None:
    out = tmp_path / "out"
    cfg = equivalence_config(tiny_lmdb, out, workers)
    start = time.perf_counter()
    log = run_and_interrupt(cfg, tmp_path / "cfg.yml", STOP_AFTER)
    stopped = read_state(out / "latest")
    assert "saving latest" in log
    assert 0 < stopped.epoch_step < 6 and stopped.epoch == 1, (stopped, log)
    log = run_to_end(cfg, tmp_path / "cfg.yml")
    assert f"global_step {stopped.global_step}" in log and "resumed from" in log
    elapsed = time.perf_counter() - start

    want, got = step_losses(straight), step_losses(out)
    assert sorted(got) == sorted(want) == list(range(1, EPOCHS * 6 + 1))
    cut = stopped.global_step
    for steps, when in (
        (range(1, cut + 1), "before the stop: not a resume problem, see the seed test"),
        (range(cut + 1, EPOCHS * 6 + 1), f"after resuming at step {cut}"),
    ):
        np.testing.assert_allclose(
            [got[s] for s in steps], [want[s] for s in steps], rtol=1e-4, err_msg=when
        )
    a, b = weights(straight), weights(out)
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_allclose(b[key], a[key], rtol=1e-4, atol=1e-6, err_msg=key)
    assert read_state(out / "latest").global_step == EPOCHS * 6
    print(f"workers={workers}: stopped at step {stopped.global_step}, {elapsed:.1f} s")
