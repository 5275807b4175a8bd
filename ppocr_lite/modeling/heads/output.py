"""What a head returns while training, when its loss needs more than the logits.

In eval mode every head returns one tensor, the (N, T, C) probabilities the post-process
decodes (and the only output of an exported graph). In training, a head returns either its
(N, T, C) logits or one of these dataclasses; ``predict`` always holds the logits that the
training metrics decode, so the trainer reads them without knowing which head ran.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from paddle import Tensor


@dataclass
class HeadOutput:
    """Training output of a head with extra outputs for its loss.

    Attributes:
        predict: (N, T, C) logits; their softmax is the head's eval output.
    """

    predict: Tensor


@dataclass
class CTCFeatsOutput(HeadOutput):
    """``CTCHead`` with ``return_feats``: the logits and the features they were computed from.

    Attributes:
        feats: (N, T, D) features the classifier read (for ``CenterLoss``).
    """

    feats: Tensor


@dataclass
class MultiHeadOutput(HeadOutput):
    """``MultiHead``: ``predict`` is the CTC branch's logits; one guide is set.

    Attributes:
        ctc_neck: (N, T, D) sequence features the CTC classifier read.
        sar: (N, L, V) SAR guide logits (PP-OCRv3), else None.
        gtc: (N, L, V) NRTR guide logits (PP-OCRv4), else None.
    """

    ctc_neck: Tensor
    sar: Tensor | None = None
    gtc: Tensor | None = None


@dataclass
class ParseQOutput(HeadOutput):
    """``ParseQHead``: ``predict`` is ``logits_list[0]`` (the left-to-right order).

    Attributes:
        logits_list: (N, T, C) teacher-forced logits of every trained order.
        pad_id: Label id that is never a target.
        eos_id: Label id ending a text.
    """

    logits_list: list[Tensor]
    pad_id: int
    eos_id: int


@dataclass
class CPPDOutput(HeadOutput):
    """``CPPDHead``: ``predict`` is the edge (character) logits (N, max_len + 1, C).

    Attributes:
        char_nodes: (N, K, max_len) count logits of the K character nodes.
        pos_nodes: (N, max_len + 1) slot logits.
    """

    char_nodes: Tensor
    pos_nodes: Tensor


def predict_logits(preds: Tensor | HeadOutput) -> Tensor:
    """The (N, T, C) logits of a head's training output, whichever form it has."""
    return preds.predict if isinstance(preds, HeadOutput) else preds


_Output = TypeVar("_Output", bound=HeadOutput)


def expect_output(preds: Tensor | HeadOutput, kind: type[_Output], reader: str) -> _Output:
    """``preds`` as the head output ``kind`` that the loss ``reader`` needs.

    Raises:
        ValueError: naming both when the head returned something else (a config pairing a loss
            with another head).
    """
    if not isinstance(preds, kind):
        got = type(preds).__name__
        raise ValueError(f"{reader} needs a {kind.__name__} from its head, got {got}")
    return preds
