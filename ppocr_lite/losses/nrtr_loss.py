"""Label-smoothed cross-entropy of NRTR's teacher-forced logits."""

from __future__ import annotations

import paddle
import paddle.nn.functional as F
from paddle import Tensor, nn

from ppocr_lite.data.batch import Batch
from ppocr_lite.postprocess.tokens import nrtr_tokens
from ppocr_lite.registry import LOSSES


@LOSSES.register()
class NRTRLoss(nn.Layer):
    """Cross-entropy over the label characters and EOS; padding (id 0) is ignored.

    Args:
        smoothing: Label smoothing with epsilon 0.1 (PaddleOCR's default), spread over the other
            classes.
    """

    def __init__(self, smoothing: bool = True) -> None:
        super().__init__()
        self.smoothing = smoothing

    def forward(self, logits: Tensor, batch: Batch) -> dict[str, Tensor]:
        """Args: logits (N, T, V) from ``NRTRHead`` (step t predicts ``label[:, t + 1]``); batch
        with ``label`` (N, L > T) NRTR ids.

        Returns:
            ``{"loss": scalar}``.
        """
        steps, classes = logits.shape[1], logits.shape[2]
        pad = nrtr_tokens(classes - 5).pad
        target = batch.label[:, 1 : steps + 1].astype("int64").reshape([-1])
        pred = logits.reshape([-1, classes])
        if not self.smoothing:
            return {"loss": F.cross_entropy(pred, target, ignore_index=pad)}
        eps = 0.1
        one_hot = F.one_hot(target, classes)
        soft = one_hot * (1 - eps) + (1 - one_hot) * eps / (classes - 1)
        per_token = -(soft * F.log_softmax(pred, axis=1)).sum(axis=1)
        keep = (target != pad).astype(per_token.dtype)
        return {"loss": (per_token * keep).sum() / paddle.clip(keep.sum(), min=1.0)}
