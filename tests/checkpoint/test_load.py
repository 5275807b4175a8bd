"""``load_weights``: one loader, three purposes (resume, pretrained, inference)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import paddle
import pytest

from ppocr_lite.checkpoint.load import load_weights
from ppocr_lite.checkpoint.manager import CheckpointManager
from ppocr_lite.checkpoint.state import TrainState
from ppocr_lite.errors import ConfigError


class _Net(paddle.nn.Layer):
    """A backbone and a CTC-like head over ``classes`` outputs (blank + characters)."""

    def __init__(self, classes: int, width: int = 8) -> None:
        super().__init__()
        self.backbone = paddle.nn.Linear(4, width)
        self.head = paddle.nn.Layer()
        self.head.fc = paddle.nn.Linear(width, classes)


def _saved(tmp_path: Path, net: paddle.nn.Layer, chars: str = "") -> Path:
    CheckpointManager(tmp_path).save("latest", net, None, TrainState(charset=list(chars)))
    return tmp_path / "latest"


def test_inference_loads_every_tensor_and_switches_to_eval(tmp_path: Path) -> None:
    paddle.seed(0)
    src = _Net(4)
    prefix = _saved(tmp_path, src)
    dst = _Net(4)
    report = load_weights(dst, f"{prefix}.pdparams")
    assert not dst.training and not report.mismatched and not report.missing
    assert sorted(report.loaded) == sorted(src.state_dict())
    np.testing.assert_array_equal(dst.head.fc.weight.numpy(), src.head.fc.weight.numpy())


@pytest.mark.parametrize("purpose", ["inference", "resume"])
def test_strict_purposes_refuse_what_does_not_fit(tmp_path: Path, purpose: str) -> None:
    prefix = _saved(tmp_path, _Net(4, width=8))
    with pytest.raises(ConfigError, match="does not fit the configured Architecture"):
        load_weights(_Net(4, width=6), prefix, purpose=purpose)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="predicts 4 classes but the dictionary gives 5"):
        load_weights(_Net(5), prefix, purpose=purpose)  # type: ignore[arg-type]


def test_missing_or_unset_path_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Global.checkpoints is not set"):
        load_weights(_Net(4), None)
    with pytest.raises(ConfigError, match=r"Global.pretrained_model: .*nope.pdparams not found"):
        load_weights(_Net(4), tmp_path / "nope", purpose="pretrained")


def test_pretrained_loads_what_fits_and_stays_in_train_mode(tmp_path: Path) -> None:
    paddle.seed(0)
    src = _Net(4, width=8)
    prefix = _saved(tmp_path, src)  # no dictionary recorded: the head cannot be re-indexed
    dst = _Net(6, width=8)
    report = load_weights(dst, prefix, purpose="pretrained", charset=list("abcde"))
    assert dst.training and report.head is None
    assert sorted(report.loaded) == ["backbone.bias", "backbone.weight"]
    assert [key for key, _, _ in report.mismatched] == ["head.fc.weight", "head.fc.bias"]


def test_pretrained_head_is_reindexed_by_character(tmp_path: Path) -> None:
    paddle.seed(0)
    src = _Net(4)  # blank + "abc"
    prefix = _saved(tmp_path, src, chars="abc")
    dst = _Net(3)  # blank + "ca"
    report = load_weights(dst, prefix, purpose="pretrained", charset=list("ca"))
    assert report.head is not None and report.head.carried == ["c", "a"]
    assert report.head.dropped == ["b"] and not report.mismatched
    old, new = src.head.fc.weight.numpy(), dst.head.fc.weight.numpy()
    np.testing.assert_array_equal(new[:, [0, 1, 2]], old[:, [0, 3, 1]])
