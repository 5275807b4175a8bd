"""create_lmdb_dataset.py, build_dict.py, check_data.py on label files, and bad configs that
must fail fast from the command line, before a model is built."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ppocr_lite.charset import normalize_text
from ppocr_lite.data.dict_builder import build_dict, count_chars
from ppocr_lite.data.lmdb_dataset import LMDBDataSet
from ppocr_lite.data.lmdb_writer import write_lmdb

from ..conftest import render_line
from ..timing import run_timed

ROOT = Path(__file__).resolve().parents[2]
LABELS = ["xin chào", "Việt Nam", "đường phố", "giá 12.000đ"]


def tool(name: str, *args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, str(ROOT / "tools" / name), *args]
    return subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", timeout=300)


def write_yaml(cfg: dict[str, Any], path: Path) -> Path:
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture()
def label_folder(tmp_path: Path) -> Path:
    """images/ with good, missing and corrupt entries; labels stored decomposed (NFD)."""
    images = tmp_path / "images"
    images.mkdir()
    lines = []
    for i, text in enumerate(LABELS):
        (images / f"{i}.jpg").write_bytes(render_line(text))
        lines.append(f"images/{i}.jpg\t{unicodedata.normalize('NFD', text)}")
    (images / "broken.jpg").write_bytes(b"\xff\xd8\xff garbage")
    lines += ["images/missing.jpg\txin", "images/broken.jpg\tchào"]
    (tmp_path / "gt.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


def test_create_lmdb_verifies_normalizes_and_refuses_overwrite(label_folder: Path) -> None:
    out = label_folder / "lmdb"
    proc = tool("create_lmdb_dataset.py", "-i", str(label_folder / "gt.txt"), "-o", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "wrote 4 samples" in proc.stdout and "skipped 2" in proc.stdout
    assert "missing.jpg" in proc.stderr and "broken.jpg" in proc.stderr
    ds = LMDBDataSet(str(out))
    assert [ds.read(i).label for i in range(len(ds))] == [normalize_text(t) for t in LABELS]
    assert all(ds.read(i).label == unicodedata.normalize("NFC", ds.read(i).label) for i in range(4))

    proc = tool("create_lmdb_dataset.py", "-i", str(label_folder / "gt.txt"), "-o", str(out))
    assert proc.returncode == 2 and "--overwrite" in proc.stderr
    proc = tool(
        "create_lmdb_dataset.py", "-i", str(label_folder / "gt.txt"), "-o", str(out), "--overwrite"
    )
    assert proc.returncode == 0, proc.stderr


def test_build_dict_from_label_files_and_lmdbs(label_folder: Path, tiny_lmdb: dict) -> None:
    base = label_folder / "base.txt"
    base.write_text("x\na\n", encoding="utf-8")
    out = label_folder / "dict.txt"
    proc = tool(
        "build_dict.py", str(label_folder / "gt.txt"), str(tiny_lmdb["val"]), "-o", str(out),
        "--base", str(base),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    chars = out.read_text("utf-8").splitlines()
    assert chars[:2] == ["x", "a"] and len(chars) == len(set(chars)) and " " not in chars
    wanted = set("".join(LABELS + ["xin", "chào"] + tiny_lmdb["val_labels"])) - {" "}
    assert set(chars) == wanted | {"x", "a"}
    assert "use_space_char" in proc.stdout


def test_build_dict_orders_new_characters_by_count() -> None:
    counts = count_chars(["bba", "b c", "dd\n"])
    assert build_dict(counts, ["c"]) == ["c", "b", "d", "a"]
    assert build_dict(counts, ["c"], min_count=2) == ["c", "b", "d"]


def test_check_data_on_label_files_reports_nfc_and_missing_images(
    label_folder: Path, tiny_config: dict[str, Any]
) -> None:
    cfg = tiny_config
    transforms = cfg["Train"]["dataset"]["transforms"]
    cfg["Train"]["dataset"] = {
        "name": "SimpleDataSet",
        "data_dir": str(label_folder),
        "label_file_list": [str(label_folder / "gt.txt")],
        "transforms": transforms,
    }
    del cfg["Eval"]
    bad = label_folder / "bad.txt"
    proc = tool(
        "check_data.py", "-c", str(write_yaml(cfg, label_folder / "c.yml")), "--out", str(bad),
        "-o", "Global.max_text_length=10",
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "== Train: 6 samples scanned" in proc.stdout and "== Eval" not in proc.stdout
    assert "bad samples: 3 - not_found=1, bad_image=1, label_too_long=1" in proc.stdout
    assert "labels changed by NFC normalization: 4" in proc.stdout
    rows = sorted(line.split("\t")[:2] for line in bad.read_text("utf-8").splitlines())
    assert [Path(k).name for k, _ in rows] == ["3.jpg", "broken.jpg", "missing.jpg"]
    assert "label length (max_text_length 10)" in proc.stdout


# -- bad configs: each fails in < 5 s with exit code 2, naming the key or path -----------------


def _simple_set(cfg: dict, tmp: Path, labels: str) -> None:
    cfg["Train"]["dataset"] = {
        "name": "SimpleDataSet",
        "data_dir": str(tmp),
        "label_file_list": [str(tmp / labels)],
        "transforms": cfg["Train"]["dataset"]["transforms"],
    }


def _empty_eval(cfg: dict, tmp: Path) -> None:
    write_lmdb(tmp / "empty_val", [])
    cfg["Eval"]["dataset"]["data_dir"] = str(tmp / "empty_val")


def _no_lmdb(cfg: dict, tmp: Path) -> None:
    (tmp / "stale").mkdir()
    cfg["Eval"]["dataset"]["data_dir"] = str(tmp / "stale")


def _empty_label_file(cfg: dict, tmp: Path) -> None:
    (tmp / "empty.txt").write_text("\n", encoding="utf-8")
    _simple_set(cfg, tmp, "empty.txt")


BAD_CONFIGS: dict[str, tuple[Callable[[dict, Path], Any], str]] = {
    "dictionary": (
        lambda c, t: c["Global"].update(character_dict_path=str(t / "nope.txt")),
        r"Global.character_dict_path: .*nope.txt not found \(fix the path",
    ),
    "data_dir": (
        lambda c, t: c["Train"]["dataset"].update(data_dir=str(t / "gone")),
        r"Train.dataset.data_dir: .*gone does not exist \(fix the path or -o",
    ),
    "label_file": (
        lambda c, t: _simple_set(c, t, "missing_gt.txt"),
        r"Train.dataset.label_file_list: .*missing_gt.txt does not exist",
    ),
    "checkpoints": (
        lambda c, t: c["Global"].update(checkpoints=str(t / "latest")),
        r"Global.checkpoints: .*latest.pdparams not found \(give the prefix",
    ),
    "checkpoints_pdparams": (
        lambda c, t: c["Global"].update(checkpoints=str(t / "latest.pdparams")),
        r"Global.checkpoints: .*latest.pdparams not found",
    ),
    "pretrained_pdparams": (
        lambda c, t: c["Global"].update(pretrained_model=str(t / "best.pdparams")),
        r"Global.pretrained_model: .*best.pdparams not found",
    ),
    "batch_size_str": (
        lambda c, t: c["Train"]["loader"].update(batch_size_per_card="64"),
        r"Train.loader.batch_size_per_card must be an integer, got '64'",
    ),
    "negative_lr": (
        lambda c, t: c["Optimizer"]["lr"].update(learning_rate=-0.001),
        r"Optimizer.lr.learning_rate must be a positive number",
    ),
    "eval_interval_0": (
        lambda c, t: c["Global"].update(eval_batch_step=[0, 0]),
        r"Global.eval_batch_step \[0, 0\]: the interval must be > 0",
    ),
    "empty_eval": (_empty_eval, r"Eval.dataset has no samples .*or remove the Eval section"),
    "eval_without_lmdb": (_no_lmdb, r"Eval.dataset: no LMDB \(data.mdb\) under .*stale"),
    "empty_label_file": (_empty_label_file, r"Train.dataset has no samples .*empty.txt"),
}


@pytest.mark.parametrize("case", list(BAD_CONFIGS))
def test_bad_config_fails_fast_before_the_model(
    case: str, tiny_config: dict[str, Any], tmp_path: Path
) -> None:
    mutate, pattern = BAD_CONFIGS[case]
    mutate(tiny_config, tmp_path)
    out = Path(tiny_config["Global"]["save_model_dir"])
    proc, elapsed = run_timed(
        lambda: tool("train.py", "-c", str(write_yaml(tiny_config, tmp_path / "bad.yml")))
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "bad.yml" in proc.stderr
    assert re.search(pattern, proc.stderr), proc.stderr
    assert not out.exists()  # nothing started: no log, no model, no checkpoint
    assert elapsed < 5.0, f"took {elapsed:.1f} CPU seconds"


def test_output_dir_of_a_live_run_is_refused(tiny_config: dict[str, Any], tmp_path: Path) -> None:
    if "acquire_run_lock" not in (ROOT / "ppocr_lite/engine/run.py").read_text("utf-8"):
        pytest.skip("engine/run.py does not take the run lock yet")
    out = Path(tiny_config["Global"]["save_model_dir"])
    out.mkdir(parents=True)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        owner = {"pid": other.pid, "host": socket.gethostname(), "started": time.time()}
        owner["command"] = "tools/train.py -c other.yml"
        (out / ".lock").write_text(json.dumps(owner), encoding="utf-8")
        proc, elapsed = run_timed(
            lambda: tool("train.py", "-c", str(write_yaml(tiny_config, tmp_path / "c.yml")))
        )
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert f"PID {other.pid}" in proc.stderr and "Global.save_model_dir" in proc.stderr
        assert elapsed < 5.0
        assert not (out / "latest.pdparams").exists() and os.path.exists(out / ".lock")
    finally:
        other.kill()
        other.wait()
