"""What the trainer needs of a loss."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from paddle import Tensor

from ppocr_lite.data.batch import Batch
from ppocr_lite.modeling.heads.output import HeadOutput


@runtime_checkable
class Loss(Protocol):
    """A registered loss (an ``nn.Layer``): head output and batch -> named loss terms.

    ``preds`` is the head's training output: the (N, T, C) logits or a :class:`HeadOutput`
    (whose ``predict`` holds them). The result's ``"loss"`` is the scalar the trainer
    back-propagates; any other entry is a named part of it, for the log.
    """

    def __call__(self, preds: Tensor | HeadOutput, batch: Batch) -> dict[str, Tensor]: ...
