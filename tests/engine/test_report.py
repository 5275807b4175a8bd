"""The report card reads metrics.jsonl and PaddleOCR-format train.log files, prints the progress
table and draws the PNG (or says how to get matplotlib)."""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from ppocr_lite.config.schema import parse_global
from ppocr_lite.engine.report import (
    PLOT_HINT,
    format_table,
    load_run,
    pick_rows,
    read_log,
    read_metrics,
    write_png,
)
from ppocr_lite.engine.run import prepare_training

from ..conftest import small_config

ROOT = Path(__file__).resolve().parents[2]
STAMP = "[2024/05/01 10:00:00] ppocr INFO: "


def paddleocr_line(epoch: int, step: int, loss: float, acc: float, eta: str) -> str:
    return (
        f"{STAMP}epoch: [{epoch}/100], global_step: {step}, lr: 0.000100, acc: {acc:.6f}, "
        f"norm_edit_dis: {min(1.0, acc + 0.3):.6f}, loss: {loss}, avg_reader_cost: 0.01 s, "
        f"avg_batch_cost: 0.2 s, avg_samples: 64.0, ips: 300.1 samples/s, eta: {eta}"
    )


def write_paddleocr_log(path: Path) -> Path:
    lines = ["[2024/05/01 09:59:00] ppocr INFO: Architecture : ", "junk without a step"]
    for i in range(1, 31):
        step = 10 * i
        lines.append(paddleocr_line(1 + step // 100, step, 100.0 / i, i / 40, "1 day, 2:03:04"))
        if step % 100 == 0:
            acc = i / 35
            lines.append(f"{STAMP}cur metric, acc: {acc}, norm_edit_dis: {acc + 0.1}, fps: 100")
            lines.append(f"{STAMP}best metric, acc: {acc}, norm_edit_dis: 0.5, best_epoch: 1")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_reads_paddleocr_train_log(tmp_path: Path) -> None:
    record = read_log(write_paddleocr_log(tmp_path / "train.log"))
    assert [p.step for p in record.train] == list(range(10, 310, 10))
    first = record.train[0]
    assert (first.epoch, first.loss, first.acc, first.lr, first.ips) == (
        1,
        100.0,
        0.025,
        1e-4,
        300.1,
    )
    assert first.batch_cost == 0.2 and first.eta == 86400 + 2 * 3600 + 3 * 60 + 4
    assert record.epochs == 100
    assert [e.step for e in record.evals] == [100, 200, 300]
    assert (
        record.evals[0].acc == pytest.approx(10 / 35)
        and record.evals[0].best == record.evals[0].acc
    )
    assert record.best_until(150) == pytest.approx(10 / 35) and math.isnan(record.best_until(50))
    table = format_table(record, every=100)
    rows = table.splitlines()
    assert rows[0].split() == ["step", "epoch", "loss", "acc", "ned", "lr", "ips", "best", "eta"]
    assert [r.split()[0] for r in rows[1:5]] == ["10", "100", "200", "300"]
    assert "1 day(s), 2:03:04" in rows[1]  # the ETA as the log gave it
    assert "3 evaluations; best acc 0.8571" in table


def test_ppocr_lite_log_line_and_eval_lines(tmp_path: Path) -> None:
    log = tmp_path / "train.log"
    log.write_text(
        "[2026/01/01 10:00:00] INFO: train: 48 samples, 6 batches/epoch, 8 per step; x\n"
        "[2026/01/01 10:00:01] INFO: epoch: [1/10], global_step: 2, lr: 0.000667, loss: 118.95523,"
        " acc: 0.0000, norm_edit_dis: 0.0096, avg_reader_cost: 0.00077 s, avg_batch_cost: 0.23662"
        " s, avg_samples: 8.0, ips: 33.81 samples/s, eta: 0:00:13, skipped: decode_error=1\n"
        "[2026/01/01 10:00:02] INFO: cur metric, acc: 0.2500, norm_edit_dis: 0.5000, cer: 0.5, fps: 1\n"
        "[2026/01/01 10:00:02] INFO: best metric, acc: 0.2500 at step 2 (epoch 1) - new best\n",
        encoding="utf-8",
    )
    record = read_log(log)
    assert (record.epochs, record.steps_per_epoch, record.planned_steps) == (10, 6, 60)
    (point,) = record.train
    assert (point.step, point.loss, point.norm_edit_dis, point.eta) == (2, 118.95523, 0.0096, 13)
    assert (record.evals[0].step, record.evals[0].acc, record.evals[0].best) == (2, 0.25, 0.25)


def write_metrics(folder: Path) -> Path:
    """Two processes: the first logs steps 1-5 and is killed mid-line; the second redoes 5-6."""
    folder.mkdir()

    def train(step: int, loss: float) -> str:
        return json.dumps(
            {
                "event": "train",
                "time": 1.0,
                "epoch": 1 + (step - 1) // 6,
                "global_step": step,
                "lr": 0.001,
                "loss": loss,
                "acc": 0.1 * step,
                "norm_edit_dis": 0.2,
                "avg_reader_cost": 0.0,
                "avg_batch_cost": 0.5,
                "ips": 16.0,
                "skipped": {},
            }
        )

    lines = [train(s, 100.0 - s) for s in range(1, 6)]
    lines.insert(3, json.dumps({"event": "eval", "global_step": 3, "acc": 0.5, "best": 0.5}))
    lines.append(json.dumps({"event": "save", "prefix": "latest", "global_step": 4}))
    lines.append('{"event": "train", "ti' + train(5, 1.0))  # torn, then continued
    lines += [train(6, 0.5), json.dumps({"event": "nan_loss", "global_step": 6, "streak": 1})]
    lines.append(json.dumps({"event": "bad_samples", "epoch": 1, "decode_error": 2}))
    lines.append('{"event": "train", "time"')  # torn at the very end
    (folder / "metrics.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "train.log").write_text(
        "[2026/01/01 10:00:00] INFO: train: 48 samples, 6 batches/epoch, 8 per step\n"
        "[2026/01/01 10:00:01] INFO: epoch: [1/4], global_step: 1, lr: 0.1, loss: 1.0, eta: 0:00:01\n",
        encoding="utf-8",
    )
    return folder


def test_reads_metrics_with_restarts_and_torn_lines(tmp_path: Path) -> None:
    record = read_metrics(write_metrics(tmp_path / "run") / "metrics.jsonl")
    assert [p.step for p in record.train] == [1, 2, 3, 4, 5, 6]
    assert record.train[4].loss == 1.0  # the redone step 5 replaced the first one
    assert record.rewinds == 1 and record.events["torn lines"] == 2
    assert record.events["saves"] == 1 and record.events["non-finite losses"] == 1
    assert record.events["bad samples"] == 2
    assert record.planned_steps == 24  # 4 epochs (train.log) x 6 batches
    assert record.eta(record.train[-1]) == pytest.approx(18 * 0.5)
    assert record.best_until(6) == 0.5
    assert "restarts that redid steps: 1" in format_table(record)


def test_pick_rows_keeps_the_last(tmp_path: Path) -> None:
    record = read_metrics(write_metrics(tmp_path / "run") / "metrics.jsonl")
    assert [p.step for p in pick_rows(record.train, 4)] == [1, 4, 6]
    assert [p.step for p in pick_rows(record.train, 0)] == [1, 2, 3, 4, 5, 6]


def test_load_run_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="neither metrics.jsonl nor train.log"):
        load_run(tmp_path)
    (tmp_path / "train.log").write_text("nothing yet\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no training steps"):
        load_run(tmp_path)


def test_png_without_matplotlib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    record = read_log(write_paddleocr_log(tmp_path / "train.log"))
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, name, None)  # import fails as if not installed
    assert write_png(record, tmp_path / "x.png") is False
    assert not (tmp_path / "x.png").exists()
    assert "pip install" in PLOT_HINT


def load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("report_card", ROOT / "tools" / "report_card.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_report_card_tool(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    run = write_metrics(tmp_path / "run")
    proc = subprocess.run(  # once as a user runs it
        [sys.executable, str(ROOT / "tools" / "report_card.py"), str(run), "--every", "2"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "report card written to" in proc.stdout and "step" in proc.stdout
    png = run / "report_card.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000

    tool = load_tool()
    other = tmp_path / "card.png"
    log = write_paddleocr_log(tmp_path / "paddleocr.log")
    assert tool.main([str(log), "--png", str(other)]) == 0 and other.is_file()
    assert tool.main([str(tmp_path / "nope")]) == 2
    assert "not found" in capsys.readouterr().err


def test_both_sources_of_a_real_run_agree(tiny_lmdb: dict[str, Any], tmp_path: Path) -> None:
    """The trainer's own train.log and metrics.jsonl, read back, tell the same story."""
    out = tmp_path / "out"
    cfg = small_config(tiny_lmdb, out)
    cfg["Global"].update(epoch_num=2, eval_batch_step=[0, 4])
    prepare_training(cfg, parse_global(cfg["Global"])).fit()
    from_json, from_log = read_metrics(out / "metrics.jsonl"), read_log(out / "train.log")
    steps = [p.step for p in from_json.train]
    assert steps == [p.step for p in from_log.train] == list(range(2, 13, 2))
    assert [e.step for e in from_json.evals] == [4, 8, 12] == [e.step for e in from_log.evals]
    for a, b in zip(from_json.train, from_log.train, strict=True):
        assert (a.epoch, a.loss, a.lr) == pytest.approx((b.epoch, b.loss, b.lr), rel=1e-4, abs=1e-6)
    assert from_json.planned_steps == from_log.planned_steps == 12
    assert from_json.events["saves"] >= 2
