"""Cross-entropy of SAR's teacher-forced logits."""

from __future__ import annotations

from paddle import Tensor, nn

from ppocr_lite.data.batch import Batch
from ppocr_lite.losses.cross_entropy import check_smoothing, mean_token_cross_entropy
from ppocr_lite.registry import LOSSES
from ppocr_lite.tokens import sar_tokens


@LOSSES.register()
class SARLoss(nn.Layer):
    """Mean cross-entropy over the label characters and EOS; padding is ignored.

    The padding id is derived from the logits' width (the SAR classifier predicts every id but
    padding), so no dictionary size has to be repeated in the config (PaddleOCR's
    ``ignore_index`` is accepted and ignored for that reason).

    Args:
        label_smoothing: Epsilon of label smoothing (0: off, PaddleOCR's behaviour).
    """

    def __init__(self, label_smoothing: float = 0.0) -> None:
        super().__init__()
        self.epsilon = check_smoothing(label_smoothing, "Loss SARLoss.label_smoothing")

    def forward(self, logits: Tensor, batch: Batch) -> dict[str, Tensor]:
        """Args: logits (N, T, V) from ``SARHead`` (step t predicts ``label[:, t + 1]``); batch
        with ``label`` (N, L >= T) SAR ids.

        Returns:
            ``{"loss": scalar}``.
        """
        steps, classes = logits.shape[1], logits.shape[2]
        pad = sar_tokens(classes - 2).pad
        target = batch.label[:, 1:steps].astype("int64")  # the last step looks past the label
        pred = logits[:, :-1, :].reshape([-1, classes])
        return {"loss": mean_token_cross_entropy(pred, target.reshape([-1]), pad, self.epsilon)}
