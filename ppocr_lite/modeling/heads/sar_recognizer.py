"""SAR as a recognizer of its own (``Head: {name: SARHead}``), not only as a MultiHead guide.

Training is the guide's teacher-forced pass; inference decodes greedily, feeding each
predicted character back as the next input, as PaddleOCR's ``SARHead`` does.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import paddle
import paddle.nn.functional as F
from paddle import Tensor

from ppocr_lite.errors import ConfigError
from ppocr_lite.modeling.heads.sar_head import SARConfig, SARHead, valid_width_mask
from ppocr_lite.registry import HEADS, did_you_mean
from ppocr_lite.tokens import sar_tokens


@HEADS.register(name="SARHead")
class SARRecognitionHead(SARHead):
    """SAR over a (N, C, H, W) feature map (ResNet31).

    Args:
        in_channels: Feature-map channels C.
        out_channels: Classes the decoder predicts (``SARLabelDecode.num_classes``).
        **hparams: PaddleOCR's ``SARHead`` keys (the fields of ``SARConfig``: enc_dim, d_k,
            max_text_length, ...).

    Raises:
        ConfigError: for a key that is not a ``SARConfig`` field.
    """

    def __init__(self, in_channels: int, out_channels: int, **hparams: Any) -> None:
        names = [field.name for field in dataclasses.fields(SARConfig)]
        for key in hparams:
            if key not in names:
                raise ConfigError(
                    f"unknown key 'Architecture.Head.{key}' for Head 'SARHead'"
                    f"{did_you_mean(key, names)}; accepted keys: {', '.join(names)}"
                )
        cfg = SARConfig(**hparams)
        super().__init__(in_channels, sar_tokens(out_channels - 2), cfg)
        self.out_channels = out_channels
        self.max_text_length = cfg.max_text_length

    def forward(self, feat: Tensor, targets: Any = None) -> Tensor:  # type: ignore[override]
        """(N, C, H, W) -> (N, L, out_channels): teacher-forced logits in training (L = the
        labels' width), greedy probabilities in eval (L = ``max_text_length``).

        Args:
            feat: Backbone features.
            targets: The Batch: ``label`` (training) and, if kept, ``valid_ratio``.
        """
        ratio = targets.valid_ratio if targets is not None and "valid_ratio" in targets else None
        if self.training:
            return super().forward(feat, targets.label, ratio)
        valid = valid_width_mask(ratio, feat.shape[3])
        holistic = self.encoder(feat, valid)
        n, steps = feat.shape[0], self.max_text_length
        label = paddle.full([n, steps], self.tokens.bos, dtype="int64")
        probs = []
        for step in range(steps):  # output t reads label[:, t]; its arg-max becomes label[t + 1]
            logits = self.decoder(feat, holistic, label, valid)[:, step]
            probs.append(F.softmax(logits, axis=-1))
            if step + 1 < steps:
                label[:, step + 1] = logits.argmax(axis=-1)
        return paddle.stack(probs, axis=1)
