"""CPPD's loss: the edge (character) cross-entropy plus the node losses that train the context."""

from __future__ import annotations

import paddle.nn.functional as F
from paddle import Tensor, nn

from ppocr_lite.data.batch import Batch
from ppocr_lite.losses.cross_entropy import mean_token_cross_entropy
from ppocr_lite.modeling.heads.output import CPPDOutput, HeadOutput, expect_output
from ppocr_lite.registry import LOSSES

SMOOTHING = 0.1  # PaddleOCR's fixed epsilon when ``smoothing`` is on


@LOSSES.register()
class CPPDLoss(nn.Layer):
    """``edge CE + sideloss_weight * (character-count CE + slot BCE)``.

    Args:
        smoothing: Label smoothing (epsilon 0.1) on the edge cross-entropy.
        ignore_index: Label id after EOS that does not count (as ``CPPDLabelEncode`` writes it).
        sideloss_weight: Weight of the node losses.
    """

    def __init__(
        self, smoothing: bool = False, ignore_index: int = 100, sideloss_weight: float = 1.0
    ) -> None:
        super().__init__()
        self.epsilon = SMOOTHING if smoothing else 0.0
        self.ignore_index = ignore_index
        self.sideloss_weight = sideloss_weight

    def forward(self, preds: Tensor | HeadOutput, batch: Batch) -> dict[str, Tensor]:
        """Args: preds, ``CPPDHead``'s training ``CPPDOutput``; batch with ``label`` (N, P) and
        ``label_node`` (N, K + P): K character counts, then P slot flags.

        Returns:
            ``{"loss": total, "loss_node": weighted node part, "loss_edge": edge part}``.
        """
        out = expect_output(preds, CPPDOutput, "CPPDLoss")
        chars, slots, edge = out.char_nodes, out.pos_nodes, out.predict
        k = chars.shape[1]
        node = batch.label_node.astype("int64")
        loss_chars = F.cross_entropy(chars.flatten(0, 1), node[:, :k].flatten(0, 1))
        loss_slots = F.binary_cross_entropy_with_logits(
            slots.flatten(0, 1), node[:, k:].flatten(0, 1).astype(slots.dtype)
        )
        loss_node = self.sideloss_weight * (loss_chars + loss_slots)
        target = batch.label.astype("int64").flatten(0, 1)
        loss_edge = mean_token_cross_entropy(
            edge.flatten(0, 1), target, self.ignore_index, self.epsilon
        )
        return {"loss": loss_node + loss_edge, "loss_node": loss_node, "loss_edge": loss_edge}
