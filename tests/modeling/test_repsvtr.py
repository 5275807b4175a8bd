"""RepSVTR matches PaddleOCR 2.9.1's, and its fused (inference) form computes the same."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import paddle
import pytest

from ppocr_lite.registry import BACKBONES

NAMES = Path(__file__).resolve().parents[1] / "data" / "paddleocr_param_names" / "repsvtr.json"


def trainable(model: paddle.nn.Layer) -> int:
    return sum(int(np.prod(p.shape)) for p in model.parameters() if not p.stop_gradient)


def with_trained_statistics(model: paddle.nn.Layer) -> paddle.nn.Layer:
    """Batch norms away from their initial identity, as after training (else fusing is trivial)."""
    for layer in model.sublayers():
        if isinstance(layer, paddle.nn.BatchNorm2D):
            n = layer.weight.shape[0]
            layer.weight.set_value(paddle.uniform([n], min=0.5, max=1.5))
            layer.bias.set_value(paddle.uniform([n], min=-0.2, max=0.2))
            layer._mean.set_value(paddle.uniform([n], min=-0.2, max=0.2))
            layer._variance.set_value(paddle.uniform([n], min=0.5, max=2.0))
    return model


@pytest.fixture()
def repsvtr() -> paddle.nn.Layer:
    paddle.seed(0)
    model = BACKBONES.build({"name": "RepSVTR"}, in_channels=3)
    model.eval()
    return model


def test_parameter_count_and_output_equal_paddleocr(repsvtr: paddle.nn.Layer) -> None:
    assert trainable(repsvtr) == 3_236_568
    assert repsvtr.out_channels == 384
    with paddle.no_grad():
        out = repsvtr(paddle.uniform([1, 3, 48, 160], min=-1.0, max=1.0))
    assert out.shape == [1, 384, 1, 20]  # 48x320 -> (1, 384, 1, 40)


def test_state_dict_names_and_shapes_equal_paddleocr(repsvtr: paddle.nn.Layer) -> None:
    ref = json.loads(NAMES.read_text(encoding="utf-8"))
    assert ref["architecture"]["Backbone"] == {"name": "RepSVTR"}
    want = [
        (k[len("backbone.") :], v) for k, v in ref["params"].items() if k.startswith("backbone.")
    ]
    assert [(k, [int(d) for d in v.shape]) for k, v in repsvtr.state_dict().items()] == want


def test_fused_form_computes_the_training_form(repsvtr: paddle.nn.Layer) -> None:
    model = with_trained_statistics(repsvtr)
    x = paddle.uniform([1, 3, 48, 160], min=-1.0, max=1.0, seed=1)
    with paddle.no_grad():
        want = model(x).numpy()
        fused = model.reparameterize()
        got = fused(x).numpy()
    assert fused is model and fused.is_fused
    assert np.abs(got - want).max() < 1e-4
    assert not any(isinstance(m, paddle.nn.BatchNorm2D) for m in fused.sublayers())
    # PaddleOCR's rep() names: a fused layer takes the place of the module it replaces.
    keys = fused.state_dict()
    assert "features.0.0.weight" in keys and "features.1.token_mixer.0.bias" in keys
    assert "features.13.channel_mixer.m.2.weight" in keys
    assert trainable(fused) < trainable(BACKBONES.build({"name": "RepSVTR"}, in_channels=3))
    fused.reparameterize()  # a second call changes nothing
    with paddle.no_grad():
        np.testing.assert_array_equal(fused(x).numpy(), got)
