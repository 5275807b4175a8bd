"""RARE, CPPD, standalone SAR and the enhanced CTC loss: the data pipeline's labels reach the
loss, and a few steps on real LMDB lines give finite, falling losses."""

from __future__ import annotations

import math
from typing import Any

import pytest

from ..tiny_archs import TINY_CPPD, TINY_SAR
from .overfit_lib import Recipe, overfit

SMALL_MV3 = {"name": "MobileNetV3", "scale": 0.35, "model_name": "small"}
CASES: dict[str, tuple[dict[str, Any], Recipe]] = {
    "RARE": (
        {
            "Backbone": SMALL_MV3,
            "Neck": {"name": "SequenceEncoder", "encoder_type": "rnn", "hidden_size": 16},
            "Head": {"name": "AttentionHead", "hidden_size": 16},
        },
        Recipe(
            encode={"AttnLabelEncode": None},
            loss={"name": "AttentionLoss"},
            post="AttnLabelDecode",
            lr=1e-3,
        ),
    ),
    "CPPD": (
        TINY_CPPD,
        Recipe(
            encode={"CPPDLabelEncode": {"ignore_index": 400}},
            keys=["image", "label", "label_node", "length"],
            loss={"name": "CPPDLoss", "ignore_index": 400},
            post="CPPDLabelDecode",
            lr=1e-3,
        ),
    ),
    "SAR": (
        TINY_SAR,
        Recipe(
            encode={"SARLabelEncode": None},
            keys=["image", "label", "length", "valid_ratio"],
            loss={"name": "SARLoss"},
            post="SARLabelDecode",
            lr=1e-3,
        ),
    ),
    "CRNN, CTC + center loss": (
        {
            "Backbone": SMALL_MV3,
            "Neck": {"name": "SequenceEncoder", "encoder_type": "rnn", "hidden_size": 16},
            "Head": {"name": "CTCHead", "mid_channels": 16, "return_feats": True},
        },
        Recipe(
            loss={
                "name": "CombinedLoss",
                "loss_config_list": [
                    {"CTCLoss": {"weight": 1.0}},
                    {"CenterLoss": {"weight": 0.05, "num_classes": 300, "feat_dim": 16}},
                    {"ACELoss": {"weight": 0.1}},
                ],
            },
            lr=1e-3,
        ),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_few_steps_on_real_lines(name: str, tiny_lmdb: dict[str, Any]) -> None:
    arch, recipe = CASES[name]
    run = overfit({"model_type": "rec", **arch}, tiny_lmdb, recipe, steps=6, target=2.0)
    assert all(math.isfinite(v) for v in run.losses)
    assert min(run.losses[3:]) < run.losses[0]
    texts = [text for text, _ in run.post(run.model(run.batch.image).numpy())]
    assert len(texts) == run.batch.image.shape[0]
