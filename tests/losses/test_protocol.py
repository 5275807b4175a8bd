"""Every registered loss implements the Loss protocol; losses name the head output they need."""

from __future__ import annotations

import paddle
import pytest

from ppocr_lite.data.batch import Batch
from ppocr_lite.losses.base import Loss
from ppocr_lite.modeling.heads.output import MultiHeadOutput
from ppocr_lite.registry import LOSSES

# Losses that cannot be built from their name alone: the smallest valid block.
REQUIRED = {
    "CombinedLoss": {"loss_config_list": [{"CTCLoss": {"weight": 1.0}}]},
    "MultiLoss": {"loss_config_list": [{"CTCLoss": None}, {"SARLoss": None}]},
}


@pytest.mark.parametrize("name", LOSSES.names())
def test_registered_loss_implements_the_protocol(name: str) -> None:
    loss = LOSSES.build({"name": name, **REQUIRED.get(name, {})}, "Loss")
    assert isinstance(loss, Loss)


@pytest.mark.parametrize("name", ["CPPDLoss", "ParseQLoss", "MultiLoss"])
def test_a_loss_given_plain_logits_names_the_head_output_it_needs(name: str) -> None:
    loss = LOSSES.build({"name": name, **REQUIRED.get(name, {})}, "Loss")
    with pytest.raises(ValueError, match=f"{name} needs a .*Output from its head, got Tensor"):
        loss(paddle.zeros([1, 4, 5]), Batch({}))


def test_multi_loss_refuses_a_guide_the_head_does_not_have() -> None:
    loss = LOSSES.build({"name": "MultiLoss", **REQUIRED["MultiLoss"]}, "Loss")
    logits = paddle.zeros([1, 4, 5])
    out = MultiHeadOutput(logits, ctc_neck=paddle.zeros([1, 4, 8]), gtc=logits)
    batch = Batch({"label_ctc": paddle.zeros([1, 2], "int64"), "length": paddle.ones([1], "int64")})
    with pytest.raises(ValueError, match="SARLoss has no output"):
        loss(out, batch)
