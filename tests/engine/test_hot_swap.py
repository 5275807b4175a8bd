"""Resuming with an edited YAML: the diff is shown, the schedule continues, the best survives."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ppocr_lite.checkpoint.files import read_state
from ppocr_lite.checkpoint.head_transfer import remap_head
from ppocr_lite.optim.build import build_lr_fn

from ..tools.test_train_eval_infer import run_tool, write_cfg


def _events(out: Path, kind: str) -> list[dict[str, Any]]:
    lines = (out / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    return [e for e in map(json.loads, lines) if e["event"] == kind]


def test_resume_with_new_batch_size_lr_and_eval_interval(
    tiny_config: dict[str, Any], tmp_path: Path
) -> None:
    out = Path(tiny_config["Global"]["save_model_dir"])
    tiny_config["Global"].update(print_batch_step=1, eval_batch_step=[0, 3])
    first = write_cfg(tiny_config, tmp_path / "a.yml")
    assert run_tool("train.py", first).returncode == 0
    before = read_state(out / "best_accuracy")
    assert read_state(out / "latest").global_step == 6

    edited = dict(tiny_config)
    edited["Global"] = {**tiny_config["Global"], "epoch_num": 2, "eval_batch_step": [0, 4]}
    edited["Train"] = {
        **tiny_config["Train"],
        "loader": {**tiny_config["Train"]["loader"], "batch_size_per_card": 4},
    }
    edited["Optimizer"] = {
        **tiny_config["Optimizer"],
        "lr": {**tiny_config["Optimizer"]["lr"], "learning_rate": 0.001},
    }
    second = write_cfg(edited, tmp_path / "b.yml")
    proc = run_tool("train.py", second, f"Global.checkpoints={out / 'latest'}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    log = (out / "train.log").read_text(encoding="utf-8")
    for change in (
        "Train.loader.batch_size_per_card: 8 -> 4",
        "Optimizer.lr.learning_rate: 0.002 -> 0.001",
        "Global.eval_batch_step: [0, 3] -> [0, 4]",
    ):
        assert f"config change: {change}" in log
    assert "# changed: Train.loader.batch_size_per_card: 8 -> 4" in (
        out / "config_resume_6.yml"
    ).read_text(encoding="utf-8")

    # 48 samples / 4 per batch = 12 steps in epoch 2: the run ends at 6 + 12.
    assert read_state(out / "latest").global_step == 18
    # The LR after the resume is the new schedule's value at the global step (no new warmup).
    lr_fn = build_lr_fn(edited["Optimizer"], step_each_epoch=12, epochs=2)
    resumed = [e for e in _events(out, "train") if e["global_step"] > 6]
    for event in resumed:
        assert event["lr"] == pytest.approx(lr_fn(event["global_step"] - 1), rel=1e-6)
    # Evaluations follow the new interval; best_accuracy is rewritten only by a better result.
    evals = [e for e in _events(out, "eval") if e["global_step"] > 6]
    assert [e["global_step"] for e in evals][:3] == [8, 12, 16]
    after = read_state(out / "best_accuracy")
    if after.best_step == before.best_step:
        assert after.best_metric == before.best_metric
    else:
        assert (after.best_metric, after.best_metrics.get("norm_edit_dis", 0)) > (
            before.best_metric,
            before.best_metrics.get("norm_edit_dis", 0),
        )
        assert any(e["is_best"] and e["global_step"] == after.best_step for e in evals)
    assert not any(e["is_best"] and e["acc"] < before.best_metric for e in evals)


def test_head_rows_follow_characters() -> None:
    old_chars, new_chars = ["a", "b", "c"], ["c", "x", "a"]
    w = np.arange(2 * 4, dtype=np.float32).reshape(2, 4)  # (in, classes): blank, a, b, c
    b = np.array([10, 11, 12, 13], dtype=np.float32)
    own = {
        "head.fc.weight": np.zeros((2, 4), np.float32),
        "head.fc.bias": np.full(4, -1, np.float32),
    }
    out, report = remap_head({"head.fc.weight": w, "head.fc.bias": b}, own, old_chars, new_chars)
    assert out["head.fc.bias"].tolist() == [10, 13, -1, 11]  # blank, c, x (new), a
    assert out["head.fc.weight"][:, 1].tolist() == w[:, 3].tolist()
    assert report.carried == ["c", "a"] and report.new == ["x"] and report.dropped == ["b"]


def test_pretrained_with_another_dictionary_carries_rows(
    tiny_config: dict[str, Any], tmp_path: Path
) -> None:
    out = Path(tiny_config["Global"]["save_model_dir"])
    tiny_config["Global"]["eval_batch_step"] = [0, 100]
    assert run_tool("train.py", write_cfg(tiny_config, tmp_path / "a.yml")).returncode == 0
    vi = Path(tiny_config["Global"]["character_dict_path"]).read_text(encoding="utf-8").splitlines()
    new_dict = tmp_path / "new_dict.txt"
    new_dict.write_text("\n".join(["日", *reversed(vi[:-5])]) + "\n", encoding="utf-8")
    tiny_config["Global"].update(
        character_dict_path=str(new_dict),
        save_model_dir=str(tmp_path / "out2"),
        pretrained_model=str(out / "latest"),
    )
    proc = run_tool("train.py", write_cfg(tiny_config, tmp_path / "b.yml"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    log = (tmp_path / "out2" / "train.log").read_text(encoding="utf-8")
    # the space (use_space_char) is carried too
    assert f"{len(vi) - 5 + 1} carried, 1 new (initialised) '日', 5 dropped" in log
    assert "head.fc.weight" in log
