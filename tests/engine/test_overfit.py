"""A model that cannot memorise one batch cannot learn anything: the cheapest end-to-end check."""

from __future__ import annotations

from typing import Any

import pytest

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
    # With the trainer's CPU math settings (cpu_speed) 8 of 8 lines are read from step ~400 on
    # (7 of 8 at 350); 450 leaves a margin for other GEMM kernels.
    assert overfit(CRNN, tiny_lmdb, Recipe(), steps=450).accuracy() >= 0.875


# (steps, lr, batch size) per zoo model, from their loss curves on this batch. They cost 15-150x
# CRNN-MV3's compute per line, so they memorise fewer lines. With 8 lines at lr 1e-3, SVTR-Tiny
# sits on the all-blank plateau (loss 22 for 80 steps) and ResNet34 needs far more than 300 steps;
# two or four lines are memorised after about 110-120 (SVTR-Tiny, LCNet) and 225 (ResNet34) steps.
ZOO = {
    "svtr_tiny": (150, 5e-4, 2),
    "svtr_lcnet": (250, 3e-3, 4),  # 3 of 4 at 150 steps, 4 of 4 from 200 (cpu_speed settings)
    "crnn_r34": (450, 1e-3, 2),  # 1 of 2 at 275 steps, 2 of 2 at 400 and 500 (cpu_speed settings)
}


@pytest.mark.parametrize(
    "name",
    [
        "svtr_tiny",
        "svtr_lcnet",
        # ResNet34 at 32 x 100 costs 3.5 GMACs per line: about 7 CPU minutes even for two lines.
        pytest.param("crnn_r34", marks=pytest.mark.slow),
    ],
)
def test_overfit_one_batch_zoo(name: str, tiny_lmdb: dict[str, Any]) -> None:
    from pathlib import Path

    from ppocr_lite.config.load import load_config
    from ppocr_lite.config.resolve import input_shape

    path = Path(__file__).resolve().parents[2] / "configs" / "rec" / f"{name}.yml"
    cfg = load_config(path)
    steps, lr, batch_size = ZOO[name]
    shape = list(input_shape(cfg))
    recipe = Recipe(shape=shape, lr=lr, batch_size=batch_size)
    assert overfit(cfg["Architecture"], tiny_lmdb, recipe, steps).accuracy() >= 0.875
