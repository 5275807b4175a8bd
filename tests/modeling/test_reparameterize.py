"""reparameterize(model): the one call that turns any recognizer into its inference form."""

from __future__ import annotations

from typing import Any

import numpy as np
import paddle

from ppocr_lite.modeling import Reparameterizable, build_model, reparameterize


def arch(backbone: dict[str, Any]) -> dict[str, Any]:
    return {
        "model_type": "rec",
        "algorithm": "SVTR_HGNet",
        "Transform": None,
        "Backbone": backbone,
        "Neck": {"name": "SequenceEncoder", "encoder_type": "reshape"},
        "Head": {"name": "CTCHead"},
    }


def test_a_repsvtr_recognizer_folds_and_predicts_the_same() -> None:
    paddle.seed(0)
    model = build_model(arch({"name": "RepSVTR"}), num_classes=30)
    assert isinstance(model.backbone, Reparameterizable)
    for layer in model.sublayers():  # statistics away from the identity, as after training
        if isinstance(layer, paddle.nn.BatchNorm2D):
            layer._mean.set_value(paddle.uniform(layer._mean.shape, min=-0.2, max=0.2))
            layer._variance.set_value(paddle.uniform(layer._variance.shape, min=0.5, max=2.0))
    model.eval()
    x = paddle.uniform([1, 3, 48, 160], min=-1.0, max=1.0, seed=1)
    with paddle.no_grad():
        want = model(x).numpy()
        folded = reparameterize(model)
        got = folded(x).numpy()
    assert folded is model and not folded.training
    assert np.abs(got - want).max() < 1e-4
    assert not any(isinstance(m, paddle.nn.BatchNorm2D) for m in folded.backbone.sublayers())


def test_models_without_branches_are_unchanged() -> None:
    model = build_model(arch({"name": "MobileNetV3", "scale": 0.5}), num_classes=30)
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    after = reparameterize(model).state_dict()
    assert list(after) == list(before)
    assert all(np.array_equal(after[k].numpy(), v) for k, v in before.items())
