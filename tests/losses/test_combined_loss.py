"""CombinedLoss with CTC, center and ACE losses (PP-OCRv2's enhanced CTC recipe)."""

from __future__ import annotations

import math

import numpy as np
import paddle
import pytest

from ppocr_lite.data.batch import Batch
from ppocr_lite.errors import ConfigError
from ppocr_lite.modeling.heads.ctc_head import CTCHead
from ppocr_lite.modeling.heads.output import CTCFeatsOutput
from ppocr_lite.registry import LOSSES


def _tensor(values: list, dtype: str = "float32") -> paddle.Tensor:
    return paddle.to_tensor(np.array(values, dtype=dtype))


def test_center_loss_on_a_hand_computed_case() -> None:
    loss = LOSSES.build({"name": "CenterLoss", "num_classes": 3, "feat_dim": 2}, "Loss")
    loss.centers.set_value(np.array([[0, 0], [1, 0], [0, 1]], dtype="float64"))
    # Step 0 predicts class 1 (centre (1, 0)) from feature (1, 2): squared distance 4.
    # Step 1 predicts class 2 (centre (0, 1)) from feature (0, 1): distance 0.
    preds = CTCFeatsOutput(_tensor([[[0, 5, 1], [0, 1, 5]]]), feats=_tensor([[[1, 2], [0, 1]]]))
    out = loss(preds, Batch({}))["loss"]
    assert float(out) == pytest.approx(2.0)


def test_center_loss_needs_features_and_enough_centres() -> None:
    loss = LOSSES.build({"name": "CenterLoss", "num_classes": 3, "feat_dim": 2}, "Loss")
    with pytest.raises(ValueError, match="return_feats"):
        loss(_tensor([[[0, 1, 2]]]), Batch({}))
    with pytest.raises(ValueError, match="3 centres"):
        loss(CTCFeatsOutput(_tensor([[[0, 1, 2, 3]]]), feats=_tensor([[[0, 1]]])), Batch({}))
    with pytest.raises(ConfigError, match="center_file_path"):
        LOSSES.build({"name": "CenterLoss", "center_file_path": "centers.pkl"}, "Loss")


def test_ace_loss_on_a_hand_computed_case() -> None:
    # Equal logits: every class averages 1/3 over the 2 steps, and the extra softmax keeps
    # 1/3. Label "1" (one character, one padding) over 2 steps: target (1/2, 1/2, 0).
    loss = LOSSES.build({"name": "ACELoss"}, "Loss")
    batch = Batch({"label": _tensor([[1, 0]], "int64"), "length": _tensor([1], "int64")})
    out = loss(paddle.zeros([1, 2, 3]), batch)["loss"]
    assert float(out) == pytest.approx(math.log(3.0), rel=1e-6)


def test_combined_loss_is_the_weighted_sum_of_its_parts() -> None:
    paddle.seed(0)
    head = CTCHead(in_channels=8, out_channels=5, mid_channels=4, return_feats=True)
    preds = head(paddle.randn([2, 6, 8]))
    assert isinstance(preds, CTCFeatsOutput)
    assert preds.predict.shape == [2, 6, 5] and preds.feats.shape == [2, 6, 4]
    labels, lengths = _tensor([[1, 2, 0], [3, 0, 0]], "int64"), _tensor([2, 1], "int64")
    batch = Batch({"label": labels, "length": lengths})
    combined = LOSSES.build(
        {
            "name": "CombinedLoss",
            "loss_config_list": [
                {"CTCLoss": {"weight": 1.0}},
                {"CenterLoss": {"weight": 0.05, "num_classes": 5, "feat_dim": 4}},
                {"ACELoss": {"weight": 0.1}},
            ],
        },
        "Loss",
    )
    out = combined(preds, batch)
    parts = [out["CTCLoss"], out["CenterLoss"], out["ACELoss"]]
    assert all(math.isfinite(float(p)) for p in parts)
    assert float(out["loss"]) == pytest.approx(sum(float(p) for p in parts), rel=1e-6)
    out["loss"].backward()
    assert head.fc1.weight.grad is not None
    head.eval()
    assert head(paddle.randn([2, 6, 8])).shape == [2, 6, 5]  # probabilities only


def test_combined_loss_items_need_a_weight() -> None:
    with pytest.raises(ConfigError, match="weight"):
        LOSSES.build({"name": "CombinedLoss", "loss_config_list": [{"CTCLoss": {}}]}, "Loss")
