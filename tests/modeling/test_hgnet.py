"""PPHGNet_small (recognition) matches PaddleOCR 2.9.1's: count, output shape and names."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import paddle
import pytest

from ppocr_lite.errors import ConfigError
from ppocr_lite.registry import BACKBONES

NAMES = (
    Path(__file__).resolve().parents[1] / "data" / "paddleocr_param_names" / "pphgnet_small.json"
)


@pytest.fixture(scope="module")
def hgnet() -> paddle.nn.Layer:
    paddle.seed(0)
    return BACKBONES.build({"name": "PPHGNet_small"}, in_channels=3)


def test_parameter_count_equals_paddleocr(hgnet: paddle.nn.Layer) -> None:
    count = sum(int(np.prod(p.shape)) for p in hgnet.parameters() if not p.stop_gradient)
    assert count == 20_216_128
    assert hgnet.out_channels == 1024


@pytest.mark.parametrize("training", [True, False])
def test_output_is_one_row_at_an_eighth_of_the_width(
    hgnet: paddle.nn.Layer, training: bool
) -> None:
    hgnet.train() if training else hgnet.eval()
    with paddle.no_grad():
        out = hgnet(paddle.uniform([1, 3, 48, 160], min=-1.0, max=1.0))
    assert out.shape == [1, 1024, 1, 20]  # 48x320 -> (1, 1024, 1, 40)
    assert np.isfinite(out.numpy()).all()


def test_state_dict_names_and_shapes_equal_paddleocr(hgnet: paddle.nn.Layer) -> None:
    ref = json.loads(NAMES.read_text(encoding="utf-8"))
    assert ref["architecture"]["Backbone"] == {"name": "PPHGNet_small"}
    want = [
        (k[len("backbone.") :], v) for k, v in ref["params"].items() if k.startswith("backbone.")
    ]
    assert [(k, [int(d) for d in v.shape]) for k, v in hgnet.state_dict().items()] == want


def test_batch_norms_are_exempt_from_weight_decay(hgnet: paddle.nn.Layer) -> None:
    bn = hgnet.stages[0].downsample.bn
    assert bn.weight.regularizer is not None and bn.weight.regularizer._coeff == 0.0


def test_the_detection_variant_is_refused() -> None:
    with pytest.raises(ConfigError, match="det"):
        BACKBONES.build({"name": "PPHGNet_small", "det": True}, in_channels=3)
