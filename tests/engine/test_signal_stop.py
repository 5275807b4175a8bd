"""Every way a run is stopped from outside: SIGTERM/SIGINT/SIGHUP to the trainer or to its whole
process group save ``latest`` at the current step and exit with 128 + the signal number; a
SIGKILL leaves no worker behind, and the next run removes the dead run's shared memory."""

from __future__ import annotations

import contextlib
import mmap
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paddle
import pytest

from ppocr_lite.checkpoint.files import read_state
from ppocr_lite.config.schema import parse_global
from ppocr_lite.data.workers import SHM_DIR, remove_dead_segments
from ppocr_lite.engine.run import prepare_training

from ..conftest import small_config
from .test_graceful_stop import events, finish, long_config, read_until
from .train_process import group_pids, launch

GONE_WITHIN = 5.0  # seconds the issue allows a group to linger after the trainer exits
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux processes")


def with_workers(cfg: dict[str, Any]) -> dict[str, Any]:
    cfg["Train"]["loader"].update(num_workers=2, use_shared_memory=True)
    return cfg


def wait_gone(pgid: int) -> list[int]:
    """The group's processes still alive after up to GONE_WITHIN seconds."""
    deadline = time.monotonic() + GONE_WITHIN
    while (alive := group_pids(pgid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive


@contextlib.contextmanager
def own_group(proc: subprocess.Popen) -> Iterator[int]:
    """The trainer's process group; whatever of it is left is killed at the end."""
    try:
        yield proc.pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)


def segments_of(pids: list[int]) -> list[Path]:
    return [p for pid in pids for p in SHM_DIR.glob(f"paddle_{pid}_*")]


@pytest.mark.parametrize(
    ("sig", "to_group"),
    [(signal.SIGTERM, True), (signal.SIGINT, True), (signal.SIGHUP, False)],
    ids=["TERM-group", "INT-group", "HUP-trainer"],
)
def test_stop_signal_saves_latest_and_exits_128_plus_n(
    tiny_lmdb: dict[str, Any], tmp_path: Path, sig: signal.Signals, to_group: bool
) -> None:
    out = tmp_path / "out"
    proc = launch(with_workers(long_config(tiny_lmdb, out)), tmp_path / "c.yml", new_session=True)
    with own_group(proc) as pgid:
        read_until(proc, "global_step: 3,")
        assert len(group_pids(pgid)) == 3, "expected the trainer and 2 workers"
        if to_group:  # Slurm, `timeout`, `kill -TERM -- -PGID`, Ctrl-C in a terminal
            os.killpg(pgid, sig)
        else:
            proc.send_signal(sig)
        code, rest = finish(proc)
        assert code == 128 + sig, rest
        assert not wait_gone(pgid), f"left alive: {group_pids(pgid)}"
    stops = events(out, "stop")
    assert [(e["exit_code"], e["reason"].split(":")[0]) for e in stops] == [
        (128 + sig, f"signal {sig.name}")
    ]
    state = read_state(out / "latest")
    assert state.global_step == stops[0]["global_step"] == events(out, "train")[-1]["global_step"]
    log = (out / "train.log").read_text(encoding="utf-8")
    assert log.count(f"signal {sig.name}") == 1, log  # not repeated by the workers
    assert "done: global_step" not in log
    assert "Traceback" not in rest


def test_sigkill_leaves_no_worker_and_next_run_removes_its_segments(
    tiny_lmdb: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    cfg = with_workers(long_config(tiny_lmdb, out, auto_resume=True, save_batch_step=1))
    proc = launch(cfg, tmp_path / "c.yml", new_session=True)
    with own_group(proc) as pgid:
        read_until(proc, "global_step: 3,")
        killed = group_pids(pgid)
        assert len(killed) == 3
        proc.kill()  # the trainer alone, as the OOM killer does
        proc.wait(30)
        assert not wait_gone(pgid), f"orphans: {group_pids(pgid)}"
    # What a killed worker leaves (planted if this kill left none), and a live process's
    # segment, which must stay.
    dead = SHM_DIR / f"paddle_{killed[-1]}_0_4242"
    live = SHM_DIR / f"paddle_{os.getpid()}_0_4242"
    for path in (dead, live):
        path.write_bytes(b"\0" * 4096)
    try:
        left = segments_of(killed)
        proc = launch(None, tmp_path / "c.yml", new_session=True)
        with own_group(proc) as pgid:
            read_until(proc, "global_step: ")  # the next run is training
            assert not [p for p in left if p.exists()]
            assert live.exists()
            os.killpg(pgid, signal.SIGTERM)
            code, rest = finish(proc)
            assert code == 128 + signal.SIGTERM, rest
    finally:
        for path in (dead, live):
            path.unlink(missing_ok=True)
    resumed = read_state(out / "latest").global_step
    assert resumed == events(out, "train")[-1]["global_step"] >= 3


def test_remove_dead_segments_keeps_live_and_mapped_ones(tmp_path: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    dead, live = child.pid, os.getpid()
    names = [f"paddle_{dead}_1_1", f"paddle_{dead}_1_2", f"paddle_{live}_1_1", "other_1"]
    for name in names:
        (tmp_path / name).write_bytes(b"\0" * 4096)
    with open(tmp_path / f"paddle_{dead}_1_2", "r+b") as f, mmap.mmap(f.fileno(), 4096):
        # Mapped by a live process (a batch still in use): kept.
        assert remove_dead_segments(tmp_path) == (1, 4096)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[1:])


# -- in process: where in the loop a stop lands --------------------------------------------
def in_process(cfg: dict[str, Any]) -> Any:
    return prepare_training(cfg, parse_global(cfg["Global"]))


def test_signal_before_a_scheduled_evaluation_skips_it(
    tiny_lmdb: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    cfg = small_config(tiny_lmdb, out)
    cfg["Global"].update(epoch_num=3, eval_batch_step=[0, 3], print_batch_step=1)
    trainer = in_process(cfg)
    step = trainer.train_step

    def signalled_step(batch: Any) -> Any:
        if trainer.state.global_step == 2:  # during step 3, which is an evaluation step
            os.kill(os.getpid(), signal.SIGTERM)
        return step(batch)

    trainer.train_step = signalled_step
    state = trainer.fit()
    assert trainer.exit_code == 128 + signal.SIGTERM
    assert not events(out, "eval")
    assert state.global_step == 3
    assert read_state(out / "latest").global_step == 3


class SignalledEvalSet:
    """The Eval loader repeated many times (a big val set) with SIGTERM after the first batch."""

    def __init__(self, loader: Any) -> None:
        self.loader, self.read = loader, 0

    def __iter__(self) -> Iterator[Any]:
        for _ in range(100):
            for batch in self.loader:
                self.read += 1
                if self.read == 1:
                    os.kill(os.getpid(), signal.SIGTERM)
                yield batch


def test_signal_during_evaluation_ends_it(tiny_lmdb: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "out"
    cfg = small_config(tiny_lmdb, out)
    cfg["Global"].update(epoch_num=3, eval_batch_step=[0, 2])
    trainer = in_process(cfg)
    eval_set = trainer.p.eval_loader = SignalledEvalSet(trainer.p.eval_loader)
    state = trainer.fit()
    assert trainer.exit_code == 128 + signal.SIGTERM
    assert eval_set.read <= 2
    assert not events(out, "eval")
    assert state.global_step == 2
    assert read_state(out / "latest").global_step == 2


@pytest.mark.skipif(
    paddle.device.is_compiled_with_cuda() and paddle.device.cuda.device_count() > 0,
    reason="a GPU is present",
)
def test_use_gpu_without_a_gpu_is_a_config_error(tiny_lmdb: dict[str, Any], tmp_path: Path) -> None:
    cfg = small_config(tiny_lmdb, tmp_path / "out")
    cfg["Global"]["use_gpu"] = True
    proc = launch(cfg, tmp_path / "gpu.yml")
    code, rest = finish(proc)
    assert code == 2, rest
    errors = [line for line in rest.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "Global.use_gpu=false" in errors[0], rest
    assert not (tmp_path / "out" / "latest.pdparams").exists()


def test_a_signal_on_one_rank_stops_every_rank_at_the_same_step() -> None:
    from ppocr_lite.engine.stop import SignalStop, StopTraining

    here, there = SignalStop(), SignalStop()
    there.signum = signal.SIGTERM  # only the other rank received it
    agreed = max(here.signum, there.signum)  # what the all-reduce (max) returns on every rank
    for stop in (here, there):
        with pytest.raises(StopTraining):
            stop.check_all_ranks(lambda _value: agreed)
        assert stop.exit_code == 143
    quiet = SignalStop()
    quiet.check_all_ranks(lambda value: value)  # nobody was signalled: the run goes on
    assert quiet.exit_code == 0
