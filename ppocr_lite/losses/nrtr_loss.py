"""Label-smoothed cross-entropy of NRTR's teacher-forced logits."""

from __future__ import annotations

from paddle import Tensor, nn

from ppocr_lite.data.batch import Batch
from ppocr_lite.losses.cross_entropy import check_smoothing, mean_token_cross_entropy
from ppocr_lite.registry import LOSSES
from ppocr_lite.tokens import nrtr_tokens


@LOSSES.register()
class NRTRLoss(nn.Layer):
    """Cross-entropy over the label characters and EOS; padding (id 0) is ignored.

    Args:
        smoothing: PaddleOCR's switch: label smoothing with epsilon 0.1, spread over the other
            classes (on by default, as in PaddleOCR).
        label_smoothing: The epsilon itself, when another value than 0.1 is wanted (overrides
            ``smoothing``).
    """

    def __init__(self, smoothing: bool = True, label_smoothing: float | None = None) -> None:
        super().__init__()
        default = 0.1 if smoothing else 0.0
        self.epsilon = check_smoothing(
            default if label_smoothing is None else label_smoothing, "Loss NRTRLoss.label_smoothing"
        )

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
        return {"loss": mean_token_cross_entropy(pred, target, pad, self.epsilon)}
