"""Cross-entropy of RARE's attention head over every label position."""

from __future__ import annotations

import paddle.nn.functional as F
from paddle import Tensor, nn

from ppocr_lite.data.batch import Batch
from ppocr_lite.registry import LOSSES


@LOSSES.register()
class AttentionLoss(nn.Layer):
    """Summed cross-entropy of step ``t`` against ``label[:, t]``, padding included.

    The sum over the batch and the steps (not the mean) and the padded positions as targets are
    PaddleOCR's: its RARE recipes' learning rates and clipping are set for this scale.
    """

    def forward(self, logits: Tensor, batch: Batch) -> dict[str, Tensor]:
        """Args: logits (N, S, K) from ``AttentionHead``; batch with ``label`` (N, S)
        ``AttnLabelEncode`` ids.

        Returns:
            ``{"loss": scalar}``.

        Raises:
            ValueError: if the head ran for a different number of steps than the labels hold.
        """
        if logits.shape[1] != batch.label.shape[1]:
            raise ValueError(
                f"AttentionLoss: {logits.shape[1]} decoding steps for labels of "
                f"{batch.label.shape[1]} positions"
            )
        classes = logits.shape[2]
        target = batch.label.astype("int64").reshape([-1])
        loss = F.cross_entropy(logits.reshape([-1, classes]), target, reduction="sum")
        return {"loss": loss}
