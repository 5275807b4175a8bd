from __future__ import annotations

import os
import pickle
from pathlib import Path

import paddle
import pytest

from ppocr_lite.checkpoint.files import read_state, read_states
from ppocr_lite.checkpoint.load import check_head_size, load_matching
from ppocr_lite.checkpoint.manager import CheckpointManager
from ppocr_lite.checkpoint.state import TrainState
from ppocr_lite.errors import CheckpointError, ConfigError


def _model(out: int = 5) -> paddle.nn.Layer:
    paddle.seed(0)
    return paddle.nn.Sequential(paddle.nn.Linear(4, 8), paddle.nn.Linear(8, out))


def _opt(model: paddle.nn.Layer) -> paddle.optimizer.Optimizer:
    return paddle.optimizer.Adam(0.01, parameters=model.parameters())


def test_state_round_trip_and_paddleocr_keys() -> None:
    s = TrainState(
        epoch=3,
        epoch_step=7,
        global_step=107,
        best_metric=0.8,
        best_epoch=2,
        best_metrics={"acc": 0.8, "norm_edit_dis": 0.9},
    )
    states = s.to_states()
    assert states["epoch"] == 2 and states["global_step"] == 107
    assert states["best_model_dict"]["acc"] == 0.8 and states["best_model_dict"]["best_epoch"] == 2
    assert TrainState.from_states(states) == s


def test_reads_paddleocr_states() -> None:
    s = TrainState.from_states(
        {
            "epoch": 4,
            "global_step": 400,
            "best_model_dict": {
                "acc": 0.7,
                "norm_edit_dis": 0.8,
                "best_epoch": 3,
                "start_epoch": 4,
            },
        }
    )
    assert (s.epoch, s.global_step, s.best_metric, s.best_epoch) == (5, 400, 0.7, 3)


def test_save_then_resume(tmp_path: Path) -> None:
    model, mgr = _model(), CheckpointManager(tmp_path)
    opt = _opt(model)
    model(paddle.randn([2, 4])).mean().backward()
    opt.step()
    state = TrainState(epoch=2, global_step=11, best_metric=0.5, best_metrics={"acc": 0.5})
    mgr.save("latest", model, opt, state)
    assert {p.name for p in tmp_path.iterdir()} == {
        "latest.pdparams",
        "latest.pdopt",
        "latest.states",
    }
    other = _model()
    for p in other.parameters():
        p.set_value(paddle.zeros_like(p))
    restored = mgr.resume(tmp_path / "latest", other, _opt(other))
    assert restored.global_step == 11 and restored.best_metric == 0.5
    for a, b in zip(model.parameters(), other.parameters(), strict=True):
        assert paddle.allclose(a, b)


def test_states_unpickler_refuses_code(tmp_path: Path) -> None:
    path = tmp_path / "x.states"
    path.write_bytes(pickle.dumps({"a": os.system}))
    with pytest.raises(CheckpointError, match="os.system|posix.system"):
        read_states(path)


def test_interrupted_save_is_rolled_forward(tmp_path: Path) -> None:
    model, mgr = _model(), CheckpointManager(tmp_path)
    mgr.save("latest", model, None, TrainState(global_step=1))
    mgr.save("latest", model, None, TrainState(global_step=2))
    # Simulate a crash after the .pdparams rename but before the .states rename.
    tmp_states = tmp_path / "latest.states.tmp"
    os.replace(tmp_path / "latest.states", tmp_states)
    (tmp_path / "latest.states").write_bytes(
        pickle.dumps(TrainState(global_step=1).to_states(), protocol=2)
    )
    assert read_state(tmp_path / "latest").global_step == 2
    assert not tmp_states.exists()


def test_torn_temporary_files_are_discarded(tmp_path: Path) -> None:
    model, mgr = _model(), CheckpointManager(tmp_path)
    mgr.save("latest", model, None, TrainState(global_step=5))
    (tmp_path / "latest.pdparams.tmp").write_bytes(b"garbage")
    (tmp_path / "latest.states.tmp").write_bytes(b"\x80torn")
    assert mgr.resume(tmp_path / "latest", _model(), None).global_step == 5
    assert not list(tmp_path.glob("*.tmp"))


def test_mixed_set_is_refused(tmp_path: Path) -> None:
    mgr = CheckpointManager(tmp_path)
    mgr.save("latest", _model(), None, TrainState(global_step=1))
    paddle.save(_model(7).state_dict(), str(tmp_path / "latest.pdparams"))
    with pytest.raises(ConfigError, match="does not match"):
        mgr.resume(tmp_path / "latest", _model(), None)


def test_head_size_mismatch_is_an_error_with_both_sizes(tmp_path: Path) -> None:
    class Net(paddle.nn.Layer):
        def __init__(self, n: int) -> None:
            super().__init__()
            self.head = paddle.nn.Layer()
            self.head.fc = paddle.nn.Linear(4, n)

    with pytest.raises(ConfigError, match="7 classes but the dictionary gives 5"):
        check_head_size(Net(7).state_dict(), Net(5), "ckpt")


def test_pretrained_reports_mismatches() -> None:
    src, dst = _model(7), _model(5)
    report = load_matching(src.state_dict(), dst)
    assert len(report.loaded) == 2 and len(report.mismatched) == 2
    assert "skipped" in report.summary()


def test_keep_last_n(tmp_path: Path) -> None:
    mgr, model = CheckpointManager(tmp_path, keep_last_n=2), _model()
    for epoch in range(1, 5):
        mgr.save(f"iter_epoch_{epoch}", model, None, TrainState(epoch=epoch))
    assert sorted(p.name for p in tmp_path.glob("*.pdparams")) == [
        "iter_epoch_3.pdparams",
        "iter_epoch_4.pdparams",
    ]
