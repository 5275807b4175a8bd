"""Center loss and ACE loss: the extra terms of PP-OCRv2's enhanced CTC recipe.

Both read a CTC head's training output. ``CenterLoss`` pulls every time step's feature towards
a centre of the class the step predicts; ``ACELoss`` (aggregation cross-entropy) compares how
often each class is predicted over the line with how often it occurs in the label.
"""

from __future__ import annotations

import paddle
import paddle.nn.functional as F
from paddle import Tensor, nn

from ppocr_lite.data.batch import Batch
from ppocr_lite.errors import ConfigError
from ppocr_lite.modeling.heads.output import CTCFeatsOutput, HeadOutput, predict_logits
from ppocr_lite.registry import LOSSES


@LOSSES.register()
class CenterLoss(nn.Layer):
    """Mean squared distance of each step's feature to the centre of its predicted class.

    The label of a step is the arg-max of its logits (blank included), as in PaddleOCR. The
    centres are drawn once from N(0, 1) and never trained: PaddleOCR keeps them outside the
    parameters, so only the features move (the term acts as a regulariser of the features).

    Args:
        num_classes: Number of centres; at least the head's class count.
        feat_dim: Width of the features (``Head.mid_channels``).
        center_file_path: PaddleOCR's pickled centres; not read (ppocr_lite never unpickles
            arbitrary files), so it must be empty.

    Raises:
        ConfigError: for a ``center_file_path``.
    """

    def __init__(
        self, num_classes: int = 6625, feat_dim: int = 96, center_file_path: str | None = None
    ) -> None:
        super().__init__()
        if center_file_path:
            raise ConfigError(
                "CenterLoss.center_file_path: loading pickled centres is not supported; leave "
                "it empty (the centres are then drawn at random, as PaddleOCR does without one)"
            )
        self.num_classes = num_classes
        self.feat_dim = feat_dim
        centers = paddle.randn([num_classes, feat_dim]).astype("float64")
        self.register_buffer("centers", centers, persistable=False)

    def forward(self, preds: Tensor | HeadOutput, batch: Batch) -> dict[str, Tensor]:
        """Args: preds, a CTC head's ``CTCFeatsOutput``: ``predict`` (N, T, C) and ``feats``
        (N, T, feat_dim); batch (unused: the labels are the predictions).

        Returns:
            ``{"loss": scalar}``: the squared distance summed over features, averaged over the
            N * T steps.

        Raises:
            ValueError: without features (``Head.return_feats: false``), or when the head has
                more classes than there are centres.
        """
        if not isinstance(preds, CTCFeatsOutput):
            raise ValueError("CenterLoss needs the head's features: set Head.return_feats: true")
        logits, feats = preds.predict, preds.feats
        if logits.shape[-1] > self.num_classes or feats.shape[-1] != self.feat_dim:
            raise ValueError(
                f"CenterLoss has {self.num_classes} centres of width {self.feat_dim}; the head "
                f"gives {logits.shape[-1]} classes and features of width {feats.shape[-1]}"
            )
        steps = feats.reshape([-1, self.feat_dim]).astype("float64")
        labels = logits.argmax(axis=-1).reshape([-1])
        distance = (steps - paddle.gather(self.centers, labels)).square().sum(axis=1)
        return {"loss": distance.clip(1e-12, 1e12).mean().astype(logits.dtype)}


@LOSSES.register()
class ACELoss(nn.Layer):
    """Aggregation cross-entropy between predicted and labelled class frequencies.

    Each class's softmax probability is averaged over the T steps; the target is each
    character's count in the label over T, with blank taking the T - length steps left. As in
    PaddleOCR, the averaged probabilities go through one more softmax inside the cross-entropy.
    The loss is averaged over the batch.
    """

    def forward(self, preds: Tensor | HeadOutput, batch: Batch) -> dict[str, Tensor]:
        """Args: preds, logits (N, T, C) or a training output holding them as ``predict``;
        batch with CTC ``label`` (N, L) (characters from 1, padding 0) and ``length`` (N,).

        Returns:
            ``{"loss": scalar}``.
        """
        logits = predict_logits(preds)
        steps, classes = logits.shape[1], logits.shape[2]
        aggregated = F.softmax(logits, axis=-1).sum(axis=1) / steps  # (N, C)
        counts = F.one_hot(batch.label.astype("int64"), classes).sum(axis=1)  # (N, C)
        # Padding is 0 (blank), so column 0 counted it: it is replaced by the blank steps.
        blanks = (steps - batch.length.astype(counts.dtype)).unsqueeze(1)
        target = paddle.concat([blanks, counts[:, 1:]], axis=1) / steps
        loss = -(target * F.log_softmax(aggregated, axis=-1)).sum(axis=1)
        return {"loss": loss.mean()}
