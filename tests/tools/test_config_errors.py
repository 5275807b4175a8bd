"""A config value a constructor refuses ends train.py like every other config mistake."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from ppocr_lite.config.load import load_config

from ..conftest import VI_DICT

ROOT = Path(__file__).resolve().parents[2]


def test_refused_architecture_value_is_one_config_error(
    tiny_lmdb: dict[str, Any], tmp_path: Path
) -> None:
    cfg = copy.deepcopy(load_config(ROOT / "configs" / "rec" / "svtr_tiny.yml"))
    out = tmp_path / "out"
    cfg["Global"].update(use_gpu=False, save_model_dir=str(out), character_dict_path=str(VI_DICT))
    for section, split in (("Train", "train"), ("Eval", "val")):
        cfg[section]["dataset"]["data_dir"] = str(tiny_lmdb[split])
        cfg[section]["loader"]["num_workers"] = 0
    heads = cfg["Architecture"]["Backbone"]["num_heads"]
    # The last stage's width is not a multiple of its heads: only SVTRNet's constructor knows.
    cfg["Architecture"]["Backbone"]["embed_dim"][-1] = heads[-1] * 32 + 1
    path = tmp_path / "bad.yml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "train.py"), "-c", str(path)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=300,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Architecture.Backbone" in errors[0], proc.stderr
    assert "Traceback" not in proc.stderr
    assert "Architecture.Backbone" in (out / "train.log").read_text(encoding="utf-8")
    assert not (out / "config.yml").exists()  # stopped before the run was set up
