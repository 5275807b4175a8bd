"""What a checkpoint's state carries across a resume: the best evaluation and the epoch's skips."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ppocr_lite.checkpoint.files import read_state
from ppocr_lite.config.schema import parse_global
from ppocr_lite.data.lmdb_writer import write_lmdb
from ppocr_lite.engine.run import prepare_training

from ..conftest import make_labels, render_line, small_config


def _events(out: Path, kind: str) -> list[dict[str, Any]]:
    lines = (out / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
    return [e for e in map(json.loads, lines) if e.get("event") == kind]


def _train(cfg: dict[str, Any]) -> Any:
    trainer = prepare_training(cfg, parse_global(cfg["Global"]))
    trainer.fit()
    return trainer


def test_resumed_tie_keeps_best_accuracy(tiny_config: dict[str, Any]) -> None:
    cfg = tiny_config
    out = Path(cfg["Global"]["save_model_dir"])
    cfg["Global"]["eval_batch_step"] = [1000, 1000]  # only the run's final evaluation
    _train(cfg)
    best = {p.name: p.read_bytes() for p in out.glob("best_accuracy.*")}
    assert len(best) == 3
    latest = read_state(out / "latest")
    assert latest.best_metrics and latest.best_step == latest.global_step

    cfg["Global"]["checkpoints"] = str(out / "latest")
    _train(cfg)  # the same weights evaluated again: a tie, not a new best
    evals = _events(out, "eval")
    assert len(evals) == 2 and not evals[-1]["is_best"]
    assert {p.name: p.read_bytes() for p in out.glob("best_accuracy.*")} == best


BAD = (3, 10, 17, 30, 41)  # 0-based indices of undecodable images among 48


class _Crash(Exception):
    pass


def _crash_after(trainer: Any, step: int) -> None:
    """Make ``trainer`` die right after the periodic save at ``step`` (as a kill would)."""
    save = trainer._maybe_save_step

    def save_then_crash() -> None:
        save()
        if trainer.state.global_step == step:
            raise _Crash

    trainer._maybe_save_step = save_then_crash


def test_skip_counts_survive_a_mid_epoch_resume(tiny_lmdb: dict[str, Any], tmp_path: Path) -> None:
    data = tmp_path / "bad_train"
    labels = make_labels(48, seed=3)
    write_lmdb(data, ((b"junk" if i in BAD else render_line(t), t) for i, t in enumerate(labels)))

    def config(out: Path) -> dict[str, Any]:
        cfg = small_config({"train": data, "val": tiny_lmdb["val"]}, out)
        cfg.pop("Eval")
        cfg["Global"].update(
            save_batch_step=3, auto_resume=True, check_data_samples=0, max_bad_ratio=0.5
        )
        return cfg

    whole = tmp_path / "whole"
    _train(config(whole))
    (expected,) = _events(whole, "bad_samples")

    cut = tmp_path / "cut"
    trainer = prepare_training(config(cut), parse_global(config(cut)["Global"]))
    _crash_after(trainer, 3)
    with pytest.raises(_Crash):
        trainer.fit()
    _train(config(cut))
    (resumed,) = _events(cut, "bad_samples")
    resumed.pop("time"), expected.pop("time")
    assert resumed == expected and resumed["bad_image"] == len(BAD)


def test_truncated_latest_resumes_from_newest_intact_epoch_checkpoint(
    tiny_config: dict[str, Any],
) -> None:
    cfg = tiny_config
    out = Path(cfg["Global"]["save_model_dir"])
    cfg.pop("Eval")
    cfg["Global"].update(epoch_num=2, save_epoch_step=1, auto_resume=True)
    _train(cfg)
    epoch_1 = read_state(out / "iter_epoch_1").global_step
    epoch_2 = read_state(out / "iter_epoch_2").global_step
    for damaged in (out / "latest.states", out / "iter_epoch_2.pdparams"):
        damaged.write_bytes(damaged.read_bytes()[:1000])  # head -c 1000
    cfg["Global"]["epoch_num"] = 3
    trainer = _train(cfg)
    # Resumed after epoch 1 (latest and iter_epoch_2 skipped), then trained epochs 2 and 3.
    assert trainer.state.global_step == epoch_1 + 2 * (epoch_2 - epoch_1)
