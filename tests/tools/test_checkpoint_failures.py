"""Untrusted or unwritable checkpoints end the tools with one error: line, never a traceback."""

from __future__ import annotations

import errno
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from ppocr_lite.checkpoint import files as checkpoint_files
from ppocr_lite.checkpoint.files import read_state
from ppocr_lite.cli import run_tool
from ppocr_lite.config.schema import parse_global
from ppocr_lite.engine.run import prepare_training

ROOT = Path(__file__).resolve().parents[2]


class _Plant:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (os.mkdir, (str(self.marker),))


def _tool(
    tool: str, cfg: dict[str, Any], tmp_path: Path, *opts: str
) -> subprocess.CompletedProcess:
    path = tmp_path / "cfg.yml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    cmd = [sys.executable, str(ROOT / "tools" / tool), "-c", str(path), "-o", *opts]
    return subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", timeout=300)


def _one_error_line(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    (line,) = [x for x in proc.stderr.splitlines() if x.startswith("error:")]
    return line


def test_malicious_weights_never_run_in_eval(tiny_config: dict[str, Any], tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    evil = tmp_path / "evil.pdparams"
    evil.write_bytes(pickle.dumps({"w": np.zeros(2, np.float32), "b": _Plant(marker)}))
    line = _one_error_line(_tool("eval.py", tiny_config, tmp_path, f"Global.checkpoints={evil}"))
    assert "evil.pdparams" in line
    assert not marker.exists()


def test_malicious_states_is_one_error_in_train(
    tiny_config: dict[str, Any], tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    prefix = tmp_path / "ckpt" / "latest"
    prefix.parent.mkdir()
    Path(f"{prefix}.pdparams").write_bytes(pickle.dumps({"w": np.zeros(2, np.float32)}))
    Path(f"{prefix}.states").write_bytes(pickle.dumps({"epoch": _Plant(marker)}))
    line = _one_error_line(_tool("train.py", tiny_config, tmp_path, f"Global.checkpoints={prefix}"))
    assert "latest.states" in line
    assert not marker.exists()


def test_full_disk_during_training_is_one_error(
    tiny_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    out = Path(tiny_config["Global"]["save_model_dir"])
    tiny_config["Global"]["save_batch_step"] = 2
    real = checkpoint_files._write_synced
    writes = []

    def fill_up(path: Path, data: bytes) -> None:
        writes.append(path)
        if len(writes) > 3:  # the first latest goes through, the next save finds the disk full
            path.write_bytes(data[:16])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(path, data)

    monkeypatch.setattr(checkpoint_files, "_write_synced", fill_up)

    def main() -> None:
        prepare_training(tiny_config, parse_global(tiny_config["Global"])).fit()

    with pytest.raises(SystemExit) as stop:
        run_tool(main)
    assert stop.value.code == 2
    errors = [x for x in capsys.readouterr().err.splitlines() if x.startswith("error:")]
    assert len(errors) == 1 and "No space left" in errors[0]
    assert "No space left" in (out / "train.log").read_text(encoding="utf-8")
    assert not list(out.glob("*.tmp"))
    assert read_state(out / "latest").global_step == 2
