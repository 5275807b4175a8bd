"""eval/infer_rec/export_model without -c: the config training saved beside the checkpoint."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import paddle
import pytest

from ppocr_lite.checkpoint.manager import CheckpointManager
from ppocr_lite.checkpoint.state import TrainState
from ppocr_lite.config.saved import checkpoint_override, find_saved_config
from ppocr_lite.engine.components import build_components
from ppocr_lite.engine.resume import record_config
from ppocr_lite.validate import check_config

from ..conftest import render_line, small_config

ROOT = Path(__file__).resolve().parents[2]


def touch(path: Path, when: int) -> Path:
    path.write_text("Global: {}\n", encoding="utf-8")
    os.utime(path, ns=(when, when))
    return path


def test_the_config_written_last_before_the_weights_is_chosen(tmp_path: Path) -> None:
    first = touch(tmp_path / "config.yml", 10**18)
    touch(tmp_path / "best_accuracy.pdparams", 10**18 + 1)  # kept from before the resume
    resumed = touch(tmp_path / "config_resume_200.yml", 10**18 + 2)
    touch(tmp_path / "latest.pdparams", 10**18 + 3)  # written by the resumed run
    assert find_saved_config(str(tmp_path / "best_accuracy")) == first
    assert find_saved_config(str(tmp_path / "latest.pdparams")) == resumed
    touch(tmp_path / "copied.pdparams", 1)  # older than every config: the newest one
    assert find_saved_config(str(tmp_path / "copied")) == resumed
    assert find_saved_config(str(tmp_path / "empty" / "latest")) is None


def test_checkpoint_is_read_from_the_overrides() -> None:
    assert checkpoint_override(["Global.epoch_num=2", "Global.checkpoints=out/best"]) == "out/best"
    assert checkpoint_override(["Global.pretrained_model=p", "Global.checkpoints=c"]) == "c"
    assert checkpoint_override(["Global.pretrained_model=p"]) == "p"
    assert checkpoint_override(["Eval.dataset.data_dir=x", "Global.checkpoints="]) is None


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, tiny_lmdb: dict[str, Any]) -> Path:
    """A run folder as training leaves it: best_accuracy.* and the resolved config.yml."""
    out = tmp_path_factory.mktemp("run")
    cfg = small_config(tiny_lmdb, out)
    paddle.set_device("cpu")
    components = build_components(cfg, check_config(cfg, "tiny.yml"))
    record_config(cfg, out, TrainState(), None)
    CheckpointManager(out).save("best_accuracy", components.model, None, TrainState())
    return out / "best_accuracy"


def run(tool: str, *args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, str(ROOT / "tools" / tool), *args]
    return subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", timeout=300)


def test_infer_rec_without_config(trained: Path, tmp_path: Path) -> None:
    folder = tmp_path / "imgs"
    folder.mkdir()
    for i, text in enumerate(["xin chào", "Việt Nam", "2024"]):
        (folder / f"{i}.jpg").write_bytes(render_line(text))
    res = tmp_path / "res.txt"
    opts = [f"Global.checkpoints={trained}", f"Global.infer_img={folder}"]
    proc = run("infer_rec.py", "-o", *opts, f"Global.save_res_path={res}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = res.read_text("utf-8").splitlines()
    assert len(rows) == 3 and all("\terror:" not in r for r in rows), rows


@pytest.mark.parametrize("tool", ["infer_rec.py", "eval.py", "export_model.py"])
def test_no_config_and_no_checkpoint_is_one_error_line(tool: str) -> None:
    proc = run(tool, "-o", "Global.use_gpu=false")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr


def test_checkpoint_without_saved_config_is_one_error_line(tmp_path: Path) -> None:
    proc = run("infer_rec.py", "-o", f"Global.checkpoints={tmp_path / 'best_accuracy'}")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr


def result_lines(output: str, folder: Path) -> int:
    return sum(1 for line in output.splitlines() if str(folder) in line)


@pytest.mark.parametrize(("count", "opts", "shown"), [(3, (), 3), (12, (), 0), (12, ("true",), 12)])
def test_infer_rec_console_gets_a_summary(
    trained: Path, tmp_path: Path, count: int, opts: tuple[str, ...], shown: int
) -> None:
    folder = tmp_path / "imgs"
    folder.mkdir()
    for i in range(count):
        (folder / f"{i}.jpg").write_bytes(render_line("xin chào" * (1 + i % 3)))
    res = tmp_path / "res.txt"
    args = [f"Global.checkpoints={trained}", f"Global.infer_img={folder}"]
    args += [f"Global.save_res_path={res}", *(f"Global.print_results={v}" for v in opts)]
    proc = run("infer_rec.py", "-o", *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(res.read_text("utf-8").splitlines()) == count
    assert result_lines(proc.stdout + proc.stderr, folder) == shown
