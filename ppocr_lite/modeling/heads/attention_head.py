"""RARE's attention decoder: a GRU that attends over the sequence features at every step.

"Robust Scene Text Recognition with Automatic Rectification" (Shi et al., 2016). Sublayer names
(``attention_cell.i2h``, ``attention_cell.rnn``, ``generator``, ...) follow PaddleOCR's
``AttentionHead`` so its checkpoints load.
"""

from __future__ import annotations

import logging
from typing import Any

import paddle
import paddle.nn.functional as F
from paddle import Tensor, nn

from ppocr_lite.registry import HEADS

logger = logging.getLogger("ppocr_lite")


class _AttentionGRUCell(nn.Layer):
    """One decoding step: additive attention over the features, then a GRU update."""

    def __init__(self, in_channels: int, hidden_size: int, num_classes: int) -> None:
        super().__init__()
        self.i2h = nn.Linear(in_channels, hidden_size, bias_attr=False)
        self.h2h = nn.Linear(hidden_size, hidden_size)
        self.score = nn.Linear(hidden_size, 1, bias_attr=False)
        self.rnn = nn.GRUCell(input_size=in_channels + num_classes, hidden_size=hidden_size)

    def forward(self, hidden: Tensor, feats: Tensor, feats_proj: Tensor, prev: Tensor) -> Tensor:
        """hidden (N, H), feats (N, T, C), feats_proj = i2h(feats) (N, T, H), prev (N, K)
        one-hot of the previous class -> new hidden (N, H)."""
        energy = self.score(paddle.tanh(feats_proj + self.h2h(hidden).unsqueeze(1)))  # (N, T, 1)
        context = (F.softmax(energy, axis=1) * feats).sum(axis=1)  # (N, C)
        _, hidden = self.rnn(paddle.concat([context, prev], axis=1), hidden)
        return hidden


@HEADS.register()
class AttentionHead(nn.Layer):
    """Greedy attention decoder: each step reads the class it predicted at the previous one.

    It runs free, also while training: PaddleOCR does not give RARE its labels in the forward
    pass (the head's teacher-forced branch is never reached), so its recipes train this way,
    step ``t`` predicting ``label[:, t]`` from the start token ``0``.

    Args:
        in_channels: Feature width C of the sequence.
        out_channels: Classes: BOS, the characters and EOS (``AttnLabelDecode.num_classes``).
        hidden_size: Width of the GRU state.
        max_text_length: Longest text read in eval mode (``max_text_length + 2`` steps, for
            BOS and EOS); in training the steps follow the labels' length.
        l2_decay: Written in some PaddleOCR configs, whose head never reads it; not applied
            here either (a warning says so), so the weights decay as the Optimizer says.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        hidden_size: int,
        max_text_length: int = 25,
        l2_decay: float | None = None,
    ) -> None:
        super().__init__()
        if l2_decay is not None:
            logger.warning(
                "Architecture.Head.l2_decay is not applied (PaddleOCR's AttentionHead ignores "
                "it too): the Optimizer's regularizer decays the head"
            )
        self.out_channels = out_channels
        self.hidden_size = hidden_size
        self.max_text_length = max_text_length
        self.attention_cell = _AttentionGRUCell(in_channels, hidden_size, out_channels)
        self.generator = nn.Linear(hidden_size, out_channels)

    def forward(self, x: Tensor, targets: Any = None) -> Tensor:
        """(N, T, C) features -> (N, S, out_channels): logits in training, probabilities in eval.

        Args:
            x: Sequence features.
            targets: The Batch while training: only its ``label`` width S is read.
        """
        steps = self.max_text_length + 2
        if self.training and targets is not None and "label" in targets:
            steps = int(targets.label.shape[1])
        n = x.shape[0]
        hidden = paddle.zeros([n, self.hidden_size], dtype=x.dtype)
        prev = paddle.zeros([n], dtype="int64")  # the start token
        feats_proj = self.attention_cell.i2h(x)
        logits = []
        for _ in range(steps):
            one_hot = F.one_hot(prev, self.out_channels).astype(x.dtype)
            hidden = self.attention_cell(hidden, x, feats_proj, one_hot)
            logits.append(self.generator(hidden))
            prev = logits[-1].argmax(axis=1)
        out = paddle.stack(logits, axis=1)
        return out if self.training else F.softmax(out, axis=2)
