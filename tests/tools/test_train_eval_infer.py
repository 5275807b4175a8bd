"""End to end through the command-line tools, as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from ppocr_lite.checkpoint.files import read_state

ROOT = Path(__file__).resolve().parents[2]


def run_tool(
    tool: str, cfg_path: Path, *opts: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    cmd = [sys.executable, str(ROOT / "tools" / tool), "-c", str(cfg_path)]
    if opts:
        cmd += ["-o", *opts]
    return subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=600,
        env=env,
    )


def write_cfg(cfg: dict[str, Any], path: Path) -> Path:
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return path


def test_train_resume_eval_infer(tiny_config: dict[str, Any], tmp_path: Path) -> None:
    out = Path(tiny_config["Global"]["save_model_dir"])
    cfg_path = write_cfg(tiny_config, tmp_path / "tiny.yml")
    proc = run_tool("train.py", cfg_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for prefix in ("latest", "best_accuracy"):
        for ext in (".pdparams", ".pdopt", ".states"):
            assert (out / f"{prefix}{ext}").is_file()
    assert (out / "config.yml").is_file() and (out / "train.log").is_file()
    log = (out / "train.log").read_text(encoding="utf-8")
    assert "global_step: 2," in log and "avg_reader_cost" in log and "ips" in log and "eta" in log
    first = read_state(out / "latest")
    assert first.global_step == 6 and first.epoch == 2
    best = read_state(out / "best_accuracy")

    # Resume with two more epochs: the step continues, the best metric survives.
    proc = run_tool(
        "train.py", cfg_path, f"Global.checkpoints={out / 'latest'}", "Global.epoch_num=3"
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    again = read_state(out / "latest")
    assert again.global_step == 18
    assert again.best_metric >= best.best_metric
    assert (out / "config_resume_6.yml").is_file()
    log = (out / "train.log").read_text(encoding="utf-8")
    assert "resumed from" in log and "config change: Global.epoch_num: 1 -> 3" in log
    lines = [
        json.loads(x) for x in (out / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert {"train", "eval", "save"} <= {x["event"] for x in lines}
    assert [x["global_step"] for x in lines if x["event"] == "train"][:3] == [2, 4, 6]
    # one line per event: no message printed twice in a row
    messages = [line.split("] ", 1)[-1] for line in log.splitlines()]
    assert all(a != b for a, b in zip(messages, messages[1:], strict=False))

    proc = run_tool("eval.py", cfg_path, f"Global.checkpoints={out / 'best_accuracy'}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "norm_edit_dis:" in proc.stdout and "cer:" in proc.stdout

    # Inference on a folder with Vietnamese file names, on an ASCII-only console.
    images = tmp_path / "imgs"
    images.mkdir()
    from ..conftest import render_line

    for i, text in enumerate(["Việt Nam", "đường phố"]):
        (images / f"ảnh_{i}.jpg").write_bytes(render_line(text))
    (images / "notes.txt").write_text("not an image", encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    res = tmp_path / "predicts.txt"
    proc = run_tool(
        "infer_rec.py",
        cfg_path,
        f"Global.checkpoints={out / 'latest'}",
        f"Global.infer_img={images}",
        f"Global.save_res_path={res}",
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = res.read_text(encoding="utf-8").splitlines()
    assert len(rows) == 3 and any("ảnh_0.jpg" in r for r in rows)
    assert any("notes.txt" in r and "error" in r for r in rows)
    assert "UnicodeEncodeError" not in proc.stderr


def test_changed_dictionary_refused_on_resume(tiny_config: dict[str, Any], tmp_path: Path) -> None:
    out = Path(tiny_config["Global"]["save_model_dir"])
    tiny_config["Global"]["eval_batch_step"] = [0, 100]
    cfg_path = write_cfg(tiny_config, tmp_path / "tiny.yml")
    assert run_tool("train.py", cfg_path).returncode == 0
    bigger = tmp_path / "dict_plus.txt"
    source = Path(tiny_config["Global"]["character_dict_path"]).read_text(encoding="utf-8")
    bigger.write_text(source + "日\n", encoding="utf-8")
    proc = run_tool(
        "train.py",
        cfg_path,
        f"Global.checkpoints={out / 'latest'}",
        f"Global.character_dict_path={bigger}",
    )
    assert proc.returncode == 2
    assert "dictionary changed" in proc.stderr and "added ['日']" in proc.stderr
    assert "pretrained_model" in proc.stderr and (
        "dictionary" in proc.stderr or "classes" in proc.stderr
    )


def test_eval_refuses_head_dictionary_mismatch(tiny_config: dict[str, Any], tmp_path: Path) -> None:
    out = Path(tiny_config["Global"]["save_model_dir"])
    tiny_config["Global"]["eval_batch_step"] = [0, 100]
    cfg_path = write_cfg(tiny_config, tmp_path / "tiny.yml")
    assert run_tool("train.py", cfg_path).returncode == 0
    proc = run_tool(
        "eval.py", cfg_path, f"Global.checkpoints={out / 'latest'}", "Global.use_space_char=false"
    )
    assert proc.returncode == 2
    assert "244 classes but the dictionary gives 243" in proc.stderr
