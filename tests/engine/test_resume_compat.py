"""Which config edits a resume accepts: training-only keys yes, shape changes no."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ppocr_lite.checkpoint.state import TrainState
from ppocr_lite.engine.resume import check_resume_compatible
from ppocr_lite.errors import ConfigError

CFG: dict[str, Any] = {
    "Architecture": {
        "Backbone": {"name": "PPLCNetV3", "scale": 0.95, "lr_mult_list": [1.0] * 6},
        "Head": {"name": "CTCHead", "fc_decay": 1e-5},
    },
    "Optimizer": {"name": "Adam"},
}


def _state() -> TrainState:
    return TrainState(config=copy.deepcopy(CFG), charset=["a", "b"])


def test_regulariser_change_is_not_an_architecture_change() -> None:
    cfg = copy.deepcopy(CFG)
    cfg["Architecture"]["Head"]["fc_decay"] = 4e-5
    cfg["Architecture"]["Backbone"]["lr_mult_list"] = [0.5] * 6
    diff = check_resume_compatible(_state(), cfg, ["a", "b"])
    assert len(diff) == 2


def test_shape_change_is_refused() -> None:
    cfg = copy.deepcopy(CFG)
    cfg["Architecture"]["Backbone"]["scale"] = 0.5
    with pytest.raises(ConfigError, match="Architecture.Backbone.scale"):
        check_resume_compatible(_state(), cfg, ["a", "b"])
