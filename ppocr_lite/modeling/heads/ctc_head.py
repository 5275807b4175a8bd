"""Linear CTC classifier over the sequence features."""

from __future__ import annotations

import math

import paddle
import paddle.nn.functional as F
from paddle import Tensor, nn

from ppocr_lite.modeling.heads.output import CTCFeatsOutput
from ppocr_lite.registry import HEADS


def _fc(in_features: int, out_features: int, l2_decay: float) -> nn.Linear:
    # Uniform(+-1/sqrt(fan_in)) with its own L2 factor, matching PaddleOCR's CTC head, so that a
    # global regularizer does not override the head's decay.
    bound = 1.0 / math.sqrt(in_features)
    init = nn.initializer.Uniform(-bound, bound)
    reg = paddle.regularizer.L2Decay(l2_decay)
    return nn.Linear(
        in_features,
        out_features,
        weight_attr=paddle.ParamAttr(initializer=init, regularizer=reg),
        bias_attr=paddle.ParamAttr(initializer=init, regularizer=reg),
    )


@HEADS.register()
class CTCHead(nn.Layer):
    """Per-time-step classifier; softmax is applied in eval mode only.

    Args:
        in_channels: Feature width D of the sequence.
        out_channels: Number of classes, blank included (injected from the charset).
        fc_decay: L2 factor of the head's weights.
        mid_channels: Optional hidden width (two linear layers instead of one).
        return_feats: While training, also return the features the classifier reads (after
            ``fc1`` when ``mid_channels`` is set), for ``CenterLoss``.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        fc_decay: float = 0.0004,
        mid_channels: int | None = None,
        return_feats: bool = False,
    ) -> None:
        super().__init__()
        self.out_channels = out_channels
        self.mid_channels = mid_channels
        self.return_feats = return_feats
        if mid_channels is None:
            self.fc = _fc(in_channels, out_channels, fc_decay)
        else:
            self.fc1 = _fc(in_channels, mid_channels, fc_decay)
            self.fc2 = _fc(mid_channels, out_channels, fc_decay)

    def forward(self, x: Tensor, labels: object = None) -> Tensor | CTCFeatsOutput:
        """(N, T, D) -> (N, T, out_channels): logits in training, probabilities in eval.

        With ``return_feats`` the training output is a ``CTCFeatsOutput``: the logits and the
        (N, T, D') features.
        """
        if self.mid_channels is not None:
            x = self.fc1(x)
        y = self.fc(x) if self.mid_channels is None else self.fc2(x)
        if not self.training:
            return F.softmax(y, axis=2)
        return CTCFeatsOutput(y, feats=x) if self.return_feats else y
