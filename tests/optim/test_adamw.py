"""AdamW: PaddleOCR's keys, and no decay for norms, biases and position embeddings."""

from __future__ import annotations

from typing import Any

import numpy as np
import paddle
import pytest

from ppocr_lite.errors import ConfigError
from ppocr_lite.modeling import build_model
from ppocr_lite.optim import build_optimizer
from ppocr_lite.optim.optimizers import AdamW
from ppocr_lite.registry import OPTIMIZERS

from ..modeling.test_svtr import TINY

SVTR_SECTION = {
    "name": "AdamW",
    "beta1": 0.9,
    "beta2": 0.99,
    "epsilon": 8.0e-8,
    "weight_decay": 0.05,
    "no_weight_decay_name": "norm pos_embed",
    "one_dim_param_no_weight_decay": True,
    "lr": {"name": "Const", "learning_rate": 0.1},
}


class _Tiny(paddle.nn.Layer):
    """Named like an SVTR stage: a linear layer, a norm and a position embedding."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = paddle.nn.Linear(4, 4)
        self.norm1 = paddle.nn.LayerNorm(4)
        self.pos_embed = self.create_parameter([1, 3, 4])
        self.conv = paddle.nn.Conv2D(2, 2, 1)

    def forward(self, x: paddle.Tensor) -> paddle.Tensor:
        y = self.norm1(self.fc(x) + self.pos_embed)
        return y.sum() + self.conv(x.reshape([1, 2, 3, 2])).sum()


def _step_without_gradient(section: dict[str, Any]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """One step with every gradient zero: only the decoupled weight decay moves a parameter."""
    paddle.seed(0)
    layer = _Tiny()
    for p in layer.parameters():
        p.set_value(paddle.ones_like(p))
    before = {n: p.numpy().copy() for n, p in layer.named_parameters()}
    bundle = build_optimizer(section, layer.named_parameters(), step_each_epoch=1, epochs=1)
    (layer(paddle.ones([1, 3, 4])) * 0.0).backward()
    bundle.optimizer.step()
    return {n: (before[n], p.numpy()) for n, p in layer.named_parameters()}


def test_norms_biases_and_pos_embed_are_not_decayed() -> None:
    moved = {n: not np.allclose(a, b) for n, (a, b) in _step_without_gradient(SVTR_SECTION).items()}
    assert moved == {
        "fc.weight": True,
        "fc.bias": False,  # 1-D
        "norm1.weight": False,  # name contains "norm" (and 1-D)
        "norm1.bias": False,
        "pos_embed": False,  # name contains "pos_embed", 3-D
        "conv.weight": True,
        "conv.bias": False,
    }


def test_decay_is_decoupled_lr_times_coefficient() -> None:
    before, after = _step_without_gradient(SVTR_SECTION)["fc.weight"]
    np.testing.assert_allclose(after, before * (1 - 0.1 * 0.05), rtol=1e-6)


def test_exclusions_follow_the_config() -> None:
    section = {**SVTR_SECTION, "no_weight_decay_name": "fc", "one_dim_param_no_weight_decay": False}
    moved = {n: not np.allclose(a, b) for n, (a, b) in _step_without_gradient(section).items()}
    assert not moved["fc.weight"] and not moved["fc.bias"]
    assert moved["norm1.weight"] and moved["pos_embed"] and moved["conv.bias"]


def test_svtr_exclusions_cover_every_norm_and_embedding() -> None:
    model = build_model(TINY, 218)
    factory = OPTIMIZERS.build({k: v for k, v in SVTR_SECTION.items() if k != "lr"})
    named = list(model.named_parameters())
    opt = factory(named, 0.1, None, None)
    decayed = {n for n, p in named if opt._apply_decay_param_fun(p.name)}
    assert decayed, "some weights must decay"
    for name in decayed:
        assert "norm" not in name and "pos_embed" not in name
        assert len(dict(named)[name].shape) > 1


def test_bad_values_and_regularizer_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="weight_decay"):
        AdamW(weight_decay=-1)
    with pytest.raises(ConfigError, match="space-separated"):
        AdamW(no_weight_decay_name=["norm"])  # type: ignore[arg-type]
    section = {**SVTR_SECTION, "regularizer": {"name": "L2", "factor": 1e-5}}
    with pytest.raises(ConfigError, match="regularizer"):
        build_optimizer(section, paddle.nn.Linear(2, 2).named_parameters(), 1, 1)


def test_plain_parameter_lists_still_work() -> None:
    bundle = build_optimizer(SVTR_SECTION, paddle.nn.Linear(2, 2).parameters(), 1, 1)
    assert isinstance(bundle.optimizer, paddle.optimizer.AdamW)
