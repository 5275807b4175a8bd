"""tools/eval.py's per-sample TSV and tools/error_report.py end to end on a 2-step checkpoint."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from ppocr_lite.engine.run import prepare_training
from ppocr_lite.validate import check_config

from ..conftest import small_config

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory, tiny_lmdb: dict[str, Any]) -> Path:
    """Two training steps (16 lines, batch 8) with an evaluation: checkpoints, metrics.jsonl."""
    out = tmp_path_factory.mktemp("run")
    cfg = small_config(tiny_lmdb, out)
    cfg["Train"]["dataset"]["data_dir"] = str(tiny_lmdb["val"])
    cfg["Global"]["eval_batch_step"] = [0, 2]
    prepare_training(cfg, check_config(cfg, "tiny.yml")).fit()
    (out / "tiny.yml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return out


def tool(name: str, *args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, str(ROOT / "tools" / name), *args]
    return subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", timeout=300)


def test_eval_tsv_then_report_with_compare(
    run_dir: Path, tiny_lmdb: dict[str, Any], tmp_path: Path
) -> None:
    cfg = str(run_dir / "tiny.yml")
    tsv = tmp_path / "best.tsv"
    best = f"Global.checkpoints={run_dir / 'best_accuracy'}"
    proc = tool("eval.py", "-c", cfg, "-o", best, f"Global.save_eval_tsv={tsv}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = [line.split("\t") for line in tsv.read_text("utf-8").splitlines()[1:]]
    assert [r[1] for r in rows] == tiny_lmdb["val_labels"]
    assert all(re.fullmatch(r".+:image-\d{9}", r[0]) and int(r[4]) == 32 for r in rows)

    html = tmp_path / "report.html"
    latest = f"Global.checkpoints={run_dir / 'latest'}"
    proc = tool(
        "error_report.py", "-c", cfg, "-o", latest, "--compare", str(tsv), "--out", str(html)
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    figures = json.loads(html.with_suffix(".json").read_text("utf-8"))
    assert figures["headline"]["samples"] == len(tiny_lmdb["val_labels"])
    assert figures["meta"]["step"] == 2 and figures["curves"]["loss"]
    assert figures["compare"]["matched"] == len(rows)
    page = html.read_text("utf-8")
    assert "http" not in page and '<img class="thumb" src="data:image/jpeg;base64,' in page
