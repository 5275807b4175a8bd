"""SVTRv2 matches PaddleOCR 2.9.1's: parameter count, output shape and state-dict names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import paddle
import pytest

from ppocr_lite.errors import ConfigError
from ppocr_lite.registry import BACKBONES

NAMES = Path(__file__).resolve().parents[1] / "data" / "paddleocr_param_names" / "svtrv2.json"
# The Backbone block of PaddleOCR's configs/rec/SVTRv2/rec_svtrv2_ch.yml.
SVTRV2_CH: dict[str, Any] = {
    "name": "SVTRv2",
    "use_pos_embed": False,
    "dims": [128, 256, 384],
    "depths": [6, 6, 6],
    "num_heads": [4, 8, 12],
    "mixer": [["Conv"] * 6, ["Conv"] * 2 + ["Global"] * 4, ["Global"] * 6],
    "local_k": [[5, 5], [5, 5], [-1, -1]],
    "sub_k": [[2, 1], [2, 1], [-1, -1]],
    "last_stage": False,
    "use_pool": True,
}
TINY: dict[str, Any] = {
    "name": "SVTRv2",
    "dims": [16, 32],
    "depths": [2, 2],
    "num_heads": [2, 4],
    "sub_k": [[2, 1], [1, 1]],
}


def trainable(model: paddle.nn.Layer) -> int:
    return sum(int(np.prod(p.shape)) for p in model.parameters() if not p.stop_gradient)


@pytest.fixture(scope="module")
def svtrv2_ch() -> paddle.nn.Layer:
    paddle.seed(0)
    model = BACKBONES.build(SVTRV2_CH, in_channels=3)
    model.eval()
    return model


def test_parameter_count_equals_paddleocr(svtrv2_ch: paddle.nn.Layer) -> None:
    assert trainable(svtrv2_ch) == 17_935_232
    assert svtrv2_ch.out_channels == 384


def test_output_is_pooled_to_one_row_at_an_eighth_of_the_width(
    svtrv2_ch: paddle.nn.Layer,
) -> None:
    # 48x320 gives (1, 384, 1, 40); 48x160 takes the same path at half the cost.
    with paddle.no_grad():
        out = svtrv2_ch(paddle.uniform([1, 3, 48, 160], min=-1.0, max=1.0))
    assert out.shape == [1, 384, 1, 20]
    assert np.isfinite(out.numpy()).all()


def test_state_dict_names_and_shapes_equal_paddleocr(svtrv2_ch: paddle.nn.Layer) -> None:
    ref = json.loads(NAMES.read_text(encoding="utf-8"))
    assert ref["architecture"]["Backbone"] == SVTRV2_CH
    want = [
        (k[len("backbone.") :], v) for k, v in ref["params"].items() if k.startswith("backbone.")
    ]
    got = [(k, [int(d) for d in v.shape]) for k, v in svtrv2_ch.state_dict().items()]
    assert got == want
    # Stage 1 flattens after its two conv blocks: its attention blocks are 3..6, as in PaddleOCR.
    assert "stages.1.blocks.3.mixer.qkv.weight" in dict(got)


@pytest.mark.parametrize(
    ("extra", "shape"),
    [
        ({"use_pool": True}, [1, 32, 1, 16]),
        ({"feat2d": True}, [1, 32, 8, 32]),
        ({"last_stage": True, "out_channels": 24}, [1, 32, 24]),
        ({}, [1, 8 * 32, 32]),
    ],
)
def test_output_modes(extra: dict[str, Any], shape: list[int]) -> None:
    mixer = {"mixer": [["Conv", "Global"], ["Global", "Global"]]}
    model = BACKBONES.build({**TINY, **mixer, **extra}, in_channels=3)
    model.eval()
    out = model(paddle.uniform([1, 3, 64, 128], min=-1.0, max=1.0))
    assert out.shape == shape
    assert model.out_channels == (24 if "last_stage" in extra else 32)


def test_attention_first_stage_and_position_table() -> None:
    cfg = {**TINY, "mixer": [["Global"] * 2, ["Global"] * 2], "use_pos_embed": True}
    model = BACKBONES.build({**cfg, "max_sz": [32, 128], "use_pool": True}, in_channels=3)
    names = model.state_dict()
    assert names["pope.patch_embed.2.pos_embed"].shape == [1, 16, 8, 32]
    # Narrower than max_sz: the position table is cropped.
    assert model(paddle.uniform([1, 3, 32, 64])).shape == [1, 32, 1, 8]


@pytest.mark.parametrize(
    "mixer",
    [
        [["Conv"], ["Global", "Global"]],  # too few for depth 2
        [["Global", "Conv"], ["Global", "Global"]],  # conv after attention
        [["Local", "Local"], ["Global", "Global"]],  # not an SVTRv2 mixer
    ],
)
def test_bad_mixers_are_refused(mixer: list[list[str]]) -> None:
    with pytest.raises(ConfigError, match="SVTRv2.mixer"):
        BACKBONES.build({**TINY, "mixer": mixer}, in_channels=3)
