"""Checkpoints move between PaddleOCR 2.x and ppocr_lite both ways, checked with a real PaddleOCR.

Runs bench/check_paddleocr_interchange.py on a small budget: PaddleOCR's own
rec_mv3_none_bilstm_ctc.yml and rec_svtrnet.yml (without its TPS) train a few steps in each
tool, and each tool also saves a fixed-seed "decisive" initialisation (strings that differ
from image to image); the other tool loads the checkpoint and must predict identical strings. Needs a Python
with paddleocr 2.x in PPOCR_REF_PYTHON and the shared vi_synth data.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REF = os.environ.get("PPOCR_REF_PYTHON")
DATA = Path("/work/shared/data/vi_synth")


@pytest.mark.slow
@pytest.mark.skipif(not REF or not Path(REF).is_file(), reason="set PPOCR_REF_PYTHON")
@pytest.mark.skipif(not DATA.is_dir(), reason="needs the shared vi_synth data")
def test_checkpoints_interchange_with_paddleocr(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    cmd = [sys.executable, str(ROOT / "bench" / "check_paddleocr_interchange.py")]
    cmd += ["--models", "crnn_mv3", "svtr_tiny", "--images", "40", "--train-samples", "128"]
    cmd += ["--epochs", "1", "--out", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=3000, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert len(rows) == 8  # two models x (trained, decisive) x two directions
    for row in rows:
        assert row["identical_strings"] == row["images"], row
        assert row["max_abs_prob_diff"] < 1e-5, row
        if "decisive" in row["check"]:  # strings that differ from image to image
            assert row["non_empty"] == row["images"], row
