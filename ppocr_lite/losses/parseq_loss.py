"""PARSeq's loss: cross-entropy averaged over every trained order of the label."""

from __future__ import annotations

import paddle
from paddle import Tensor, nn

from ppocr_lite.data.batch import Batch
from ppocr_lite.losses.cross_entropy import check_smoothing, token_cross_entropy
from ppocr_lite.modeling.heads.output import HeadOutput, ParseQOutput, expect_output
from ppocr_lite.registry import LOSSES


@LOSSES.register()
class ParseQLoss(nn.Layer):
    """Token-weighted mean cross-entropy of all orders; padding is ignored.

    EOS is a target of the first two orders only (left-to-right, and right-to-left with an empty
    context): in any other order its position says nothing useful about where the text ends.

    Args:
        label_smoothing: Epsilon of label smoothing (0: off, as PaddleOCR).
    """

    def __init__(self, label_smoothing: float = 0.0) -> None:
        super().__init__()
        self.epsilon = check_smoothing(label_smoothing, "Loss ParseQLoss.label_smoothing")

    def forward(self, preds: Tensor | HeadOutput, batch: Batch) -> dict[str, Tensor]:
        """Args: preds, ``ParseQHead``'s training ``ParseQOutput``; batch with ``label`` (N, L)
        PARSeq ids (BOS first).

        Returns:
            ``{"loss": scalar}``.
        """
        out = expect_output(preds, ParseQOutput, "ParseQLoss")
        logits_list, pad, eos = out.logits_list, out.pad_id, out.eos_id
        steps = logits_list[0].shape[1]
        target = batch.label[:, 1 : steps + 1].astype("int64").reshape([-1])
        total = paddle.zeros([], dtype="float32")
        count = paddle.zeros([], dtype="float32")
        for i, logits in enumerate(logits_list):
            if i == 2:  # from the third order on, EOS is no longer a target
                target = paddle.where(target == eos, paddle.full_like(target, pad), target)
            flat = logits.reshape([-1, logits.shape[-1]])
            loss_sum, n = token_cross_entropy(flat, target, pad, self.epsilon)
            total, count = total + loss_sum, count + n
        return {"loss": total / paddle.clip(count, min=1.0)}
