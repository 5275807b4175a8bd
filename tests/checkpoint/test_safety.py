"""Checkpoints that cannot be trusted, read or written: refused in one line, never half-used."""

from __future__ import annotations

import errno
import os
import pickle
import shutil
import subprocess
import uuid
from pathlib import Path

import numpy as np
import paddle
import pytest

from ppocr_lite.checkpoint import files as checkpoint_files
from ppocr_lite.checkpoint.files import read_state
from ppocr_lite.checkpoint.intact import resumable
from ppocr_lite.checkpoint.load import load_weights
from ppocr_lite.checkpoint.manager import CheckpointManager
from ppocr_lite.checkpoint.safe_pickle import load_paddle_file
from ppocr_lite.checkpoint.state import TrainState
from ppocr_lite.errors import CheckpointError


class _Plant:
    """Pickles as a call that creates ``marker``: what a malicious checkpoint would run."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (os.mkdir, (str(self.marker),))


def _model() -> paddle.nn.Layer:
    paddle.seed(0)
    return paddle.nn.Sequential(paddle.nn.Linear(4, 8), paddle.nn.Linear(8, 5))


def _opt(model: paddle.nn.Layer) -> paddle.optimizer.Optimizer:
    return paddle.optimizer.Adam(0.01, parameters=model.parameters())


def _trained(tmp_path: Path, prefix: str = "latest", step: int = 7) -> tuple[paddle.nn.Layer, Path]:
    model = _model()
    opt = _opt(model)
    model(paddle.randn([2, 4])).mean().backward()
    opt.step()
    CheckpointManager(tmp_path).save(prefix, model, opt, TrainState(global_step=step))
    return model, tmp_path / prefix


# -- untrusted content ----------------------------------------------------------------------
def test_malicious_pdparams_is_refused_without_running(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    weights = {"0.weight": np.zeros((4, 8), np.float32), "0.bias": _Plant(marker)}
    (tmp_path / "evil.pdparams").write_bytes(pickle.dumps(weights, protocol=2))
    for load in (
        lambda: load_weights(_model(), tmp_path / "evil", purpose="pretrained"),
        lambda: load_weights(_model(), tmp_path / "evil"),
        lambda: CheckpointManager(tmp_path).resume(tmp_path / "evil", _model(), None),
    ):
        with pytest.raises(CheckpointError, match=r"evil\.pdparams.*(posix|os)\.mkdir"):
            load()
    assert not marker.exists()


def test_malicious_pdopt_is_refused_without_running(tmp_path: Path) -> None:
    _, prefix = _trained(tmp_path)
    Path(f"{prefix}.states").unlink()  # PaddleOCR's layout: no digests to catch the swap
    marker = tmp_path / "ran"
    Path(f"{prefix}.pdopt").write_bytes(pickle.dumps({"x_moment1_0": _Plant(marker)}))
    model = _model()
    with pytest.raises(CheckpointError, match=r"latest\.pdopt"):
        CheckpointManager(tmp_path).resume(prefix, model, _opt(model))
    assert not marker.exists()


def test_saved_checkpoints_still_load(tmp_path: Path) -> None:
    model, prefix = _trained(tmp_path)
    mine = load_paddle_file(f"{prefix}.pdparams")
    theirs = paddle.load(f"{prefix}.pdparams")
    assert set(mine) == set(theirs)
    for key in theirs:
        assert isinstance(mine[key], paddle.Tensor)
        np.testing.assert_array_equal(mine[key].numpy(), theirs[key].numpy())
    opt = load_paddle_file(f"{prefix}.pdopt")
    assert set(opt) == set(paddle.load(f"{prefix}.pdopt"))


def test_paddle21_tensor_tuples_load(tmp_path: Path) -> None:
    # Paddle 2.1 pickled each tensor as (name, ndarray), as older PaddleOCR releases hold them.
    path = tmp_path / "old.pdparams"
    array = np.arange(6, dtype=np.float32).reshape(2, 3)
    path.write_bytes(pickle.dumps({"head.fc.weight": ("linear_0.w_0", array)}, protocol=2))
    loaded = load_paddle_file(path)["head.fc.weight"]
    assert loaded.name == "linear_0.w_0"
    np.testing.assert_array_equal(loaded.numpy(), array)


# -- resume without optimizer / states ------------------------------------------------------
def test_weights_only_resume_warns_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    _, prefix = _trained(tmp_path)
    Path(f"{prefix}.pdopt").unlink()
    Path(f"{prefix}.states").unlink()
    model = _model()
    state = CheckpointManager(tmp_path).resume(prefix, model, _opt(model))
    assert state.global_step == 0
    assert len([r for r in caplog.records if r.levelname == "WARNING"]) == 1


# -- write errors ---------------------------------------------------------------------------
def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_write_error_leaves_previous_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model, prefix = _trained(tmp_path)
    before = _files(tmp_path)
    real = checkpoint_files._write_synced

    def full_disk(path: Path, data: bytes) -> None:
        if path.name.endswith(".pdopt.tmp"):
            with open(path, "wb") as f:
                f.write(data[:10])  # a partial file, as a full disk leaves it
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(path, data)

    monkeypatch.setattr(checkpoint_files, "_write_synced", full_disk)
    with pytest.raises(CheckpointError, match="No space left"):
        CheckpointManager(tmp_path).save("latest", model, _opt(model), TrainState(global_step=9))
    assert _files(tmp_path) == before  # no .tmp left, latest untouched
    assert read_state(prefix).global_step == 7


def _mount_tmpfs(folder: Path, size: str) -> bool:
    folder.mkdir()
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
            capture_output=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def test_full_tmpfs_keeps_previous_checkpoint(tmp_path: Path) -> None:
    folder = tmp_path / f"tmpfs_{uuid.uuid4().hex[:6]}"
    if not _mount_tmpfs(folder, "64k"):
        pytest.skip("cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN)")
    try:
        small = paddle.nn.Linear(2, 2)
        CheckpointManager(folder).save("latest", small, None, TrainState(global_step=3))
        before = _files(folder)
        big = paddle.nn.Linear(256, 256)  # 256 KB of weights: more than the 64 KB tmpfs
        with pytest.raises(CheckpointError, match="No space left"):
            CheckpointManager(folder).save("latest", big, None, TrainState(global_step=4))
        assert _files(folder) == before
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True, timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


# -- damaged state --------------------------------------------------------------------------
def _truncate(path: Path, size: int = 1000) -> None:
    data = path.read_bytes()  # what `head -c 1000` leaves (the tiny test files: half of them)
    path.write_bytes(data[: min(size, len(data) // 2)])


def test_damaged_latest_falls_back_to_newest_epoch_checkpoint(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _trained(tmp_path, "iter_epoch_1", step=3)
    _trained(tmp_path, "iter_epoch_2", step=6)
    _, latest = _trained(tmp_path, "latest", step=8)
    _truncate(tmp_path / "iter_epoch_2.pdparams")
    _truncate(Path(f"{latest}.states"), 40)
    chosen = resumable(str(latest))
    assert Path(chosen).name == "iter_epoch_1"
    assert len([r for r in caplog.records if r.levelname == "WARNING"]) == 1
    model = _model()
    assert CheckpointManager(tmp_path).resume(chosen, model, _opt(model)).global_step == 3


def test_damaged_latest_without_fallback_is_one_error(tmp_path: Path) -> None:
    _, latest = _trained(tmp_path)
    _truncate(Path(f"{latest}.pdparams"))
    with pytest.raises(CheckpointError, match="latest"):
        resumable(str(latest))


def test_truncated_paddleocr_weights_are_damaged(tmp_path: Path) -> None:
    _, latest = _trained(tmp_path)
    Path(f"{latest}.states").unlink()
    _truncate(Path(f"{latest}.pdparams"), 100)
    with pytest.raises(CheckpointError, match="damaged"):
        resumable(str(latest))
