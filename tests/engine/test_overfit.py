"""A model that cannot memorise one batch cannot learn anything: the cheapest end-to-end check."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from ppocr_lite.config.load import load_config
from ppocr_lite.config.resolve import input_shape

from .overfit_lib import Recipe, overfit

CRNN = {
    "model_type": "rec",
    "Backbone": {
        "name": "MobileNetV3",
        "scale": 0.5,
        "model_name": "small",
        "small_stride": [1, 2, 2, 2],
    },
    "Neck": {"name": "SequenceEncoder", "encoder_type": "rnn", "hidden_size": 48},
    "Head": {"name": "CTCHead", "fc_decay": 1e-5},
}


def test_overfit_one_batch_crnn_mv3(tiny_lmdb: dict[str, Any]) -> None:
    # 4 of 4 lines are read from step ~350 (OpenCV 5's rendering of the lines).
    run = overfit(CRNN, tiny_lmdb, Recipe(batch_size=4), steps=800)
    assert run.accuracy() == 1.0, f"{run.accuracy()} after {run.steps} steps"


# (step budget, lr, batch size, share of lines read, input shape or None for the config's) per
# zoo model, from their curves on this batch. They cost 15-150x CRNN-MV3's compute per line, so
# they memorise fewer lines. With 8 lines at lr 1e-3, SVTR-Tiny sits on the all-blank plateau
# (loss 22 for 80 steps); two lines are memorised after about 100-250 steps. SVTR-LCNet (CTC
# only) runs at 48x192 instead of its 48x320 (its depthwise convolutions are slow on the CPU):
# 3 of 4 lines are read from step ~75, and the 4th line can sit on a CTC plateau (1-3 middle
# characters missing) for hundreds of steps, so 3 of 4 is asked.
ZOO = {
    "svtr_tiny": (400, 5e-4, 2, 0.875, None),
    "svtr_lcnet": (300, 3e-3, 4, 0.75, [3, 48, 192]),
}


@pytest.mark.parametrize("name", sorted(ZOO))
def test_overfit_one_batch_zoo(name: str, tiny_lmdb: dict[str, Any]) -> None:
    cfg = _zoo_config(name)
    steps, lr, batch_size, share, shape = ZOO[name]
    recipe = Recipe(shape=shape or list(input_shape(cfg)), lr=lr, batch_size=batch_size)
    run = overfit(cfg["Architecture"], tiny_lmdb, recipe, steps, target=share)
    assert run.accuracy() >= share, f"{run.accuracy()} after {run.steps} steps"


def test_crnn_r34_trains(tiny_lmdb: dict[str, Any]) -> None:
    # ResNet34 at 32 x 100 costs 3.5 GMACs per line: memorising even two lines takes about
    # 400 steps (7 CPU minutes). What it shares with CRNN-MV3 (neck, head, loss) is memorised
    # above; here every parameter gets a finite, non-zero gradient and the loss falls.
    cfg = _zoo_config("crnn_r34")
    recipe = Recipe(shape=list(input_shape(cfg)), lr=1e-3, batch_size=2)
    run = overfit(cfg["Architecture"], tiny_lmdb, recipe, steps=8, target=2.0)
    assert run.dead == [], run.dead
    assert all(math.isfinite(v) for v in run.losses), run.losses
    assert run.losses[-1] < 0.5 * run.losses[0], run.losses


def _zoo_config(name: str) -> dict[str, Any]:
    return load_config(Path(__file__).resolve().parents[2] / "configs" / "rec" / f"{name}.yml")
