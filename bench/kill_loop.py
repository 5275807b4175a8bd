"""SIGKILL a training run at random moments, resume it each time, and count what is left behind.

    python bench/kill_loop.py [--kills 30] [--data DIR] [--seed 0] [--work DIR]

Each round starts ``tools/train.py`` (2 loader workers, shared memory, ``auto_resume``, a save
every 2 steps, an evaluation every 15) in a process group of its own, kills the trainer alone
with SIGKILL (as the OOM killer does) after a random delay, which lands in start-up, training,
evaluation or a save, and then starts the next round, which resumes. At the end a last run is
stopped with SIGTERM to its whole group. Reported:

- unloadable checkpoints: after every kill, each ``*.pdparams`` in the folder is loaded with its
  optimizer and state into a freshly built model (any failure counts);
- orphans: processes of a killed run's group still alive 5 s after the kill;
- leftover segments: ``/dev/shm/paddle_<pid>_*`` of any process of any round, once the last
  run has ended.

Training data: ``--data`` (a folder with ``train_lmdb`` and ``vi_dict.txt``), else
``../shared/data/vi_synth`` when present, else 200 generated lines. The Eval set is always 48
generated lines, so that an evaluation ends within the kill delays (with a large one, every
kill lands in the same evaluation and the run never moves on). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TRAIN = ROOT / "tools" / "train.py"
SHARED = ROOT.parent / "shared" / "data" / "vi_synth"
SHM = Path("/dev/shm")
GRACE = 5.0  # seconds a killed run's workers get to disappear


def generated_data(folder: Path) -> dict[str, Path]:
    """200 training and 48 validation lines drawn with OpenCV (ASCII: OpenCV's fonts)."""
    import cv2
    import numpy as np

    from ppocr_lite.data.lmdb_writer import write_lmdb

    rng = np.random.default_rng(0)
    words = ["mot", "hai", "ba", "Viet", "Nam", "xin", "chao", "duong", "pho", "2024", "OK"]

    def lines(n: int) -> list[tuple[bytes, str]]:
        out = []
        for _ in range(n):
            text = " ".join(rng.choice(words, size=int(rng.integers(1, 3))))
            img = np.full((32, 14 * len(text) + 8, 3), 255, np.uint8)
            cv2.putText(img, text, (4, 23), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 1)
            out.append((cv2.imencode(".jpg", img)[1].tobytes(), text))
        return out

    write_lmdb(folder / "train_lmdb", lines(200))
    write_lmdb(folder / "val_lmdb", lines(48))
    return {
        "train": folder / "train_lmdb",
        "val": folder / "val_lmdb",
        "dict": ROOT / "ppocr_lite" / "utils" / "dict" / "en_dict.txt",
    }


def make_config(data: dict[str, Path], out: Path) -> dict[str, Any]:
    from ppocr_lite.config.load import load_config

    cfg = load_config(ROOT / "configs" / "rec" / "crnn_mv3_demo.yml")
    cfg["Global"].update(
        epoch_num=1000,
        print_batch_step=1,
        save_model_dir=str(out),
        save_res_path=str(out / "pred.txt"),
        save_batch_step=2,
        save_epoch_step=1,
        keep_last_n=2,
        eval_batch_step=[0, 15],
        auto_resume=True,
        pretrained_model=None,
        character_dict_path=str(data["dict"]),
    )
    for section, key in (("Train", "train"), ("Eval", "val")):
        cfg[section]["dataset"]["data_dir"] = str(data[key])
        for op in cfg[section]["dataset"]["transforms"]:
            if "RecResizeImg" in op:
                op["RecResizeImg"]["image_shape"] = [3, 32, 100]
        cfg[section]["loader"].update(batch_size_per_card=16, num_workers=2, use_shared_memory=True)
    return cfg


def group_pids(pgid: int) -> list[int]:
    """Live (not zombie) processes of group ``pgid``."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, _, pgrp = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, ValueError):
            continue
        if int(pgrp) == pgid and state != "Z":
            pids.append(int(stat.parent.name))
    return pids


def launch(cfg_path: Path, log: Path) -> subprocess.Popen:
    with open(log, "ab") as sink:
        return subprocess.Popen(
            [sys.executable, str(TRAIN), "-c", str(cfg_path)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: the loop kills nothing else
        )


class Checker:
    """Loads every checkpoint of the run into a fresh model and optimizer."""

    def __init__(self, cfg: dict[str, Any]) -> None:
        from ppocr_lite.config.schema import parse_global
        from ppocr_lite.engine.components import build_components
        from ppocr_lite.optim import build_optimizer

        gcfg = parse_global(cfg["Global"])
        self.model = build_components(cfg, gcfg).model
        self.optimizer = build_optimizer(
            cfg["Optimizer"], self.model.named_parameters(), 100, gcfg.epoch_num
        ).optimizer

    def unloadable(self, out: Path) -> list[str]:
        from ppocr_lite.checkpoint.files import strip_suffix
        from ppocr_lite.checkpoint.manager import CheckpointManager

        bad = []
        for params in sorted(out.glob("*.pdparams")):
            prefix = strip_suffix(params)
            try:
                CheckpointManager(out).resume(prefix, self.model, self.optimizer)
            except Exception as exc:  # noqa: BLE001 - any failure to load is what we count
                bad.append(f"{prefix.name}: {type(exc).__name__}: {exc}")
        return bad


def kill_round(cfg_path: Path, log: Path, delay: float) -> dict[str, Any]:
    proc = launch(cfg_path, log)
    time.sleep(delay)
    pids = group_pids(proc.pid)
    finished = proc.poll() is not None
    if not finished:
        proc.send_signal(signal.SIGKILL)  # the trainer alone
    proc.wait()
    deadline = time.monotonic() + GRACE
    while (left := group_pids(proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in left:  # orphans of our own group: counted, then removed
        os.kill(pid, signal.SIGKILL)
    return {"pids": pids, "orphans": left, "finished": finished}


def _alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, ValueError):
        return False
    except PermissionError:
        return True
    return True


def latest_step(out: Path) -> int:
    from ppocr_lite.checkpoint.files import read_state

    try:
        return read_state(out / "latest").global_step
    except Exception:  # noqa: BLE001 - none yet, or unreadable (counted by the checker)
        return -1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=30)
    parser.add_argument("--data", type=Path, default=SHARED if SHARED.is_dir() else None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path, default=None, help="default: a temporary folder")
    parser.add_argument("--delay", type=float, nargs=2, default=(1.0, 12.0))
    args = parser.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="kill_loop_"))
    work.mkdir(parents=True, exist_ok=True)
    data = generated_data(work / "data")
    if args.data:
        data.update(train=args.data / "train_lmdb", dict=args.data / "vi_dict.txt")
    out = work / "out"
    cfg = make_config(data, out)
    cfg_path = work / "kill.yml"
    cfg_path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    checker, rng, log = Checker(cfg), random.Random(args.seed), work / "runs.log"

    seen: set[int] = set()
    unloadable: list[str] = []
    orphans = finished = went_back = 0
    steps = []
    started = time.perf_counter()
    for k in range(args.kills):
        result = kill_round(cfg_path, log, rng.uniform(*args.delay))
        seen.update(result["pids"])
        orphans += len(result["orphans"])
        finished += result["finished"]
        bad = checker.unloadable(out)
        unloadable += [f"kill {k + 1}: {b}" for b in bad]
        step = latest_step(out)
        went_back += bool(steps and step < steps[-1])
        steps.append(step)
        print(
            f"kill {k + 1}: latest at step {step}, group {result['pids']}, "
            f"orphans {result['orphans']}, unloadable {len(bad)}",
            flush=True,
        )

    last = launch(cfg_path, log)  # resumes; removes the killed runs' segments at start
    deadline = time.monotonic() + 120
    while latest_step(out) <= steps[-1] and time.monotonic() < deadline and last.poll() is None:
        time.sleep(0.5)
    seen.update(group_pids(last.pid))
    os.killpg(last.pid, signal.SIGTERM)
    code = last.wait(120)
    time.sleep(GRACE)
    leftover = [p.name for pid in seen for p in SHM.glob(f"paddle_{pid}_*")]
    dead_anywhere = [p.name for p in SHM.glob("paddle_*") if not _alive(p.name.split("_")[1])]
    unloadable += checker.unloadable(out)
    summary = {
        "kills": args.kills - finished,
        "unloadable_checkpoints": len(unloadable),
        "orphan_processes": orphans + len(group_pids(last.pid)),
        "leftover_shm_segments": len(leftover),
        "dead_pid_shm_segments_in_dev_shm": len(dead_anywhere),
        "latest_went_back": went_back,
        "final_run_exit_code": code,
        "final_latest_step": latest_step(out),
        "latest_steps_after_kills": steps,
        "seconds": round(time.perf_counter() - started, 1),
        "work": str(work),
    }
    print(json.dumps(summary, indent=1))
    for line in unloadable + leftover:
        print("  ", line)


if __name__ == "__main__":
    main()
