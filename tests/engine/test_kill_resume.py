"""Long runs that survive anything: SIGKILL at random moments, resume, lose nothing saved.

``test_sigkill_and_resume_many_times`` is the acceptance test: tools/train.py, saving ``latest``
every step and resuming itself (Global.auto_resume), is killed over and over at random moments
after it starts saving, including while a checkpoint is being written. After every kill each
checkpoint in the folder must load into a freshly built model, ``latest`` may lag the last
step any process reached by at most Global.save_batch_step, and the run must still end at the
planned global step. ``test_kill_inside_save`` kills a save at each point of its write sequence
deterministically, which random kills only hit by chance.
"""

from __future__ import annotations

import os
import random
import re
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import paddle
import pytest

from ppocr_lite.checkpoint import files as checkpoint
from ppocr_lite.checkpoint.files import checkpoint_exists
from ppocr_lite.checkpoint.manager import CheckpointManager
from ppocr_lite.checkpoint.state import TrainState
from ppocr_lite.config.schema import parse_global
from ppocr_lite.engine.components import build_components
from ppocr_lite.optim import build_optimizer

from ..conftest import small_config
from .train_process import launch, write_config

STEPS_PER_EPOCH = 6  # 48 samples, batch 8
EPOCHS = 20
PLANNED = EPOCHS * STEPS_PER_EPOCH
SAVE_EVERY = 1
KILLS = 4  # the long loop (30+ kills) is bench/kill_loop.py; the suite keeps a short one
# Each process is killed after its first "saved" line, once a random delay has passed or it has
# logged a random number of further steps, whichever comes first. The step cap bounds the
# progress per kill (at most 1 + 3 + 1 steps: the kills stay within the 120 planned steps on any
# machine); a kill shortly after a step's line often lands in that step's checkpoint write,
# which follows the line.
DELAY = (0.3, 2.0)
MAX_STEPS = (1, 3)
SAVE_WINDOW = 0.06  # about how long the model's checkpoint takes to serialize and write
STARTUP_TIMEOUT = 60.0
STEP = re.compile(r"global_step[: ]+(\d+)")


def kill_config(tiny: dict[str, Any], out: Path) -> dict[str, Any]:
    cfg = small_config(tiny, out)
    cfg["Global"].update(
        epoch_num=EPOCHS,
        print_batch_step=1,
        save_batch_step=SAVE_EVERY,
        save_epoch_step=3,
        keep_last_n=2,
        eval_batch_step=[0, 45],
        auto_resume=True,
    )
    return cfg


class Run:
    """tools/train.py in a subprocess whose output is read line by line as it comes."""

    def __init__(self, cfg_path: Path) -> None:
        self.proc = launch(None, cfg_path)
        self.lines: list[str] = []
        self.trained = 0  # train lines logged by this process
        self.saved = threading.Event()
        self.changed = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self.changed:
                self.lines.append(line)
                self.trained += "INFO: epoch: [" in line
                if "INFO: saved " in line:
                    self.saved.set()
                self.changed.notify_all()
        self.saved.set()  # the process ended: stop waiting
        with self.changed:
            self.trained = sys.maxsize
            self.changed.notify_all()

    def wait_trained(self, steps: int, timeout: float) -> None:
        """Until this process has logged ``steps`` train lines, or ``timeout`` seconds."""
        with self.changed:
            self.changed.wait_for(lambda: self.trained >= steps, timeout)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.finish(30)

    def finish(self, timeout: float) -> int:
        code = self.proc.wait(timeout)
        self.reader.join(10)
        return code

    def max_step(self) -> int:
        """The highest global step this process logged (trained, or saved)."""
        return max((int(m.group(1)) for x in self.lines if (m := STEP.search(x))), default=0)

    def text(self) -> str:
        return "".join(self.lines)


class Loader:
    """A freshly built model + optimizer that every checkpoint of the run must load into."""

    def __init__(self, cfg: dict[str, Any]) -> None:
        gcfg = parse_global(cfg["Global"])
        self.model = build_components(cfg, gcfg).model
        self.optimizer = build_optimizer(
            cfg["Optimizer"], self.model.named_parameters(), STEPS_PER_EPOCH, gcfg.epoch_num
        ).optimizer

    def check(self, prefix: Path) -> TrainState:
        """Load ``prefix`` fully (weights, optimizer, state): what is loaded is what the file
        holds, and it is finite."""
        state = CheckpointManager(prefix.parent).resume(prefix, self.model, self.optimizer)
        weights = paddle.load(f"{prefix}.pdparams")
        for key, value in self.model.state_dict().items():
            loaded = value.numpy()
            np.testing.assert_array_equal(loaded, np.asarray(weights[key]), err_msg=key)
            assert np.isfinite(loaded).all(), f"{prefix}: {key} is not finite"
        return state


def checkpoints(out: Path) -> list[Path]:
    return sorted(checkpoint.strip_suffix(p) for p in out.glob("*.pdparams"))


def test_sigkill_and_resume_many_times(tiny_lmdb: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "out"
    cfg = kill_config(tiny_lmdb, out)
    cfg_path = write_config(cfg, tmp_path / "kill.yml")
    loader = Loader(cfg)
    rng = random.Random(20240501)
    reached = latest = kills = in_save = 0
    started = time.perf_counter()
    while kills < KILLS:
        run = Run(cfg_path)
        assert run.saved.wait(STARTUP_TIMEOUT), "no checkpoint saved in time:\n" + run.text()
        run.wait_trained(run.trained + rng.randint(*MAX_STEPS), rng.uniform(*DELAY))
        time.sleep(rng.uniform(0.0, SAVE_WINDOW))
        if run.proc.poll() is not None:
            break  # finished before the kill: the plan was too short for the machine
        run.kill()
        kills += 1
        reached = max(reached, run.max_step())
        in_save += any(out.glob("*.tmp"))  # the kill landed inside a checkpoint write
        for prefix in checkpoints(out):
            state = loader.check(prefix)
            if prefix.name == "latest":
                assert state.global_step >= latest, f"latest went back: {state} after {latest}"
                assert state.global_step >= reached - SAVE_EVERY, (
                    f"kill {kills}: steps up to {reached} were trained but latest holds "
                    f"{state.global_step}\n{run.text()[-3000:]}"
                )
                latest = state.global_step
    assert kills == KILLS, f"the run finished after {kills} kills: raise EPOCHS"
    assert latest < PLANNED

    final = Run(cfg_path)
    assert final.finish(STARTUP_TIMEOUT + PLANNED) == 0, final.text()[-3000:]
    assert f"resumed from {out / 'latest'}" in final.text()
    end = loader.check(out / "latest")
    assert (end.global_step, end.epoch, end.epoch_step) == (PLANNED, EPOCHS + 1, 0)
    for prefix in checkpoints(out):
        loader.check(prefix)
    assert not list(out.glob("*.tmp"))
    print(
        f"{kills} kills ({in_save} inside a save), step {latest} before the last launch, "
        f"{time.perf_counter() - started:.1f} s"
    )


# -- deterministic kills inside CheckpointManager.save ------------------------------------
# save() calls _write_synced for .pdparams, .pdopt, .states (temporaries), then os.replace for
# .pdopt, .pdparams, .states, then fsyncs the folder. Kill before call k of that sequence, or
# halfway through writing the temporary .states (a torn file).
SAVE_CALLS = 7


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _kill_at(k: int, torn: bool) -> None:
    """Patch the save sequence in this (child) process so that it dies at call ``k``."""
    calls = {"n": 0}
    write, replace = checkpoint._write_synced, os.replace

    def counted(real: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any) -> Any:
            if calls["n"] == k:
                if torn:
                    Path(args[0]).write_bytes(args[1][: len(args[1]) // 2])
                _die()
            calls["n"] += 1
            return real(*args)

        return call

    checkpoint._write_synced = counted(write)
    os.replace = counted(replace)
    checkpoint._fsync_dir = counted(checkpoint._fsync_dir)


def _model() -> tuple[paddle.nn.Layer, Any]:
    model = paddle.nn.Sequential(paddle.nn.Linear(4, 8), paddle.nn.Linear(8, 3))
    return model, paddle.optimizer.Adam(0.01, parameters=model.parameters())


def _train_once(model: paddle.nn.Layer, opt: Any) -> None:
    model(paddle.randn([2, 4])).mean().backward()
    opt.step()
    opt.clear_grad()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.parametrize(
    ("k", "torn"), [(k, False) for k in range(SAVE_CALLS)] + [(2, True)], ids=str
)
def test_kill_inside_save(tmp_path: Path, k: int, torn: bool) -> None:
    paddle.seed(0)
    model, opt = _model()
    mgr = CheckpointManager(tmp_path)
    _train_once(model, opt)
    mgr.save("latest", model, opt, TrainState(global_step=1))
    old = {n: v.numpy().copy() for n, v in model.state_dict().items()}
    _train_once(model, opt)
    new = {n: v.numpy().copy() for n, v in model.state_dict().items()}

    pid = os.fork()
    if pid == 0:  # child: save step 2 and die at call k
        try:
            _kill_at(k, torn)
            mgr.save("latest", model, opt, TrainState(global_step=2))
        finally:
            os._exit(3)  # not reached when the kill fires
    _, status = os.waitpid(pid, 0)
    died = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    assert died or k == SAVE_CALLS - 1 and os.WEXITSTATUS(status) == 3, status

    assert checkpoint_exists(tmp_path / "latest")
    other, other_opt = _model()
    state = mgr.resume(tmp_path / "latest", other, other_opt)
    # Until the temporary .states is complete the old set stands; from then on the save is
    # finished on load (rolled forward).
    want_new = k >= 3
    assert state.global_step == (2 if want_new else 1)
    want = new if want_new else old
    for name, value in other.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), want[name], err_msg=name)
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.parametrize("k", range(3))
def test_kill_inside_prune(tmp_path: Path, k: int) -> None:
    """keep_last_n pruning killed at unlink ``k``: no weights are left without their state,
    and the next prune removes what was left."""
    model, opt = _model()
    mgr = CheckpointManager(tmp_path, keep_last_n=2)
    for epoch in (1, 2):
        mgr.save(f"iter_epoch_{epoch}", model, opt, TrainState(epoch=epoch + 1))
    pid = os.fork()
    if pid == 0:  # child: the save of epoch 3 prunes epoch 1 and dies at unlink k
        try:
            calls, unlink = {"n": 0}, Path.unlink

            def counted(path: Path, missing_ok: bool = False) -> None:
                if calls["n"] == k:
                    _die()
                calls["n"] += 1
                unlink(path, missing_ok=missing_ok)

            Path.unlink = counted  # type: ignore[method-assign]
            mgr.save("iter_epoch_3", model, opt, TrainState(epoch=4))
        finally:
            os._exit(3)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, status
    for params in tmp_path.glob("iter_epoch_*.pdparams"):
        prefix = checkpoint.strip_suffix(params)
        assert Path(f"{prefix}.states").is_file(), f"{params.name} left without its .states"
        epoch = int(prefix.name.rsplit("_", 1)[1])
        assert mgr.resume(prefix, *_model()).epoch == epoch + 1
    mgr.save("iter_epoch_4", model, opt, TrainState(epoch=5))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"iter_epoch_{e}{ext}" for e in (3, 4) for ext in (".pdopt", ".pdparams", ".states")
    ]
