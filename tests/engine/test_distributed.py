"""Data-parallel training through paddle.distributed.launch, two CPU processes (gloo)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from ppocr_lite.checkpoint.files import read_state

ROOT = Path(__file__).resolve().parents[2]


def test_two_process_training_on_cpu(tiny_config: dict[str, Any], tmp_path: Path) -> None:
    out = Path(tiny_config["Global"]["save_model_dir"])
    tiny_config["Global"]["eval_batch_step"] = [0, 100]
    cfg_path = tmp_path / "tiny.yml"
    cfg_path.write_text(yaml.safe_dump(tiny_config, allow_unicode=True), encoding="utf-8")
    cmd = [
        sys.executable,
        "-m",
        "paddle.distributed.launch",
        "--nproc_per_node",
        "2",
        "--log_dir",
        str(tmp_path / "launch"),
        str(ROOT / "tools" / "train.py"),
        "-c",
        str(cfg_path),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=280, cwd=tmp_path)
    logs = "\n".join(
        p.read_text(errors="replace") for p in sorted((tmp_path / "launch").glob("workerlog.*"))
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:] + logs[-3000:]
    # 48 samples, batch 8 per card, 2 cards, drop_last: 3 steps per epoch.
    assert read_state(out / "latest").global_step == 3
    log = (out / "train.log").read_text(encoding="utf-8")
    # Only rank 0 writes the log file: every step's line appears once.
    assert log.count("global_step: 2,") == 1
    assert (out / "best_accuracy.pdparams").is_file()
