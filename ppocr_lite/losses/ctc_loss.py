"""CTC loss over the head's logits."""

from __future__ import annotations

import paddle
from paddle import Tensor, nn

from ppocr_lite.data.batch import Batch
from ppocr_lite.modeling.heads.output import HeadOutput, predict_logits
from ppocr_lite.registry import LOSSES


@LOSSES.register()
class CTCLoss(nn.Layer):
    """Mean CTC loss; blank is class 0.

    Args:
        use_focal_loss: Weight each sample by ``(1 - exp(-loss))**2`` so hard lines count more.
    """

    def __init__(self, use_focal_loss: bool = False) -> None:
        super().__init__()
        self.use_focal_loss = use_focal_loss
        self.ctc = nn.CTCLoss(blank=0, reduction="none")

    def forward(self, preds: Tensor | HeadOutput, batch: Batch) -> dict[str, Tensor]:
        """Args: preds, logits (N, T, C) or a head's training output holding them as ``predict``;
        batch with ``label`` (N, L) and ``length`` (N,).

        Returns:
            ``{"loss": scalar}``.
        """
        logits = predict_logits(preds)
        n, t = logits.shape[0], logits.shape[1]
        log_probs = logits.transpose([1, 0, 2])  # (T, N, C): the layout CTC expects
        input_lengths = paddle.full([n], t, dtype="int64")
        loss = self.ctc(
            log_probs, batch.label.astype("int32"), input_lengths, batch.length.astype("int64")
        )
        if self.use_focal_loss:
            weight = (1.0 - paddle.exp(-loss)) ** 2
            loss = loss * weight
        return {"loss": loss.mean()}
