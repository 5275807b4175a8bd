"""CPPD decoding: arg-max per slot, cut at the first EOS (class 0)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ppocr_lite.charset import Charset
from ppocr_lite.postprocess.tokens import cppd_tokens
from ppocr_lite.registry import POSTPROCESSES


@POSTPROCESSES.register()
class CPPDLabelDecode:
    """(N, P, C) probabilities -> [(text, confidence)]; the confidence is the mean probability
    of the kept characters (0 for an empty text), as PaddleOCR computes it.

    Args:
        charset: Injected from the Global dictionary settings.
    """

    def __init__(self, charset: Charset) -> None:
        self.charset = charset
        self.tokens = cppd_tokens(len(charset))

    @property
    def num_classes(self) -> int:
        """Classes the head predicts: EOS and the characters."""
        return self.tokens.num_outputs

    def __call__(self, preds: np.ndarray) -> list[tuple[str, float]]:
        preds = np.asarray(preds)
        ids, probs = preds.argmax(axis=2), preds.max(axis=2)
        out = []
        for row_ids, row_probs in zip(ids, probs, strict=True):
            chars = self.tokens.chars_of(row_ids)
            conf = float(row_probs[: len(chars)].mean()) if chars else 0.0
            out.append((self.charset.decode(chars), conf))
        return out

    def target_texts(self, batch: Any) -> list[str]:
        """Ground truth decoded from ``batch.label`` rows ``[chars, eos, ignore_index...]``."""
        label = batch.label
        labels = label.numpy() if hasattr(label, "numpy") else np.asarray(label)
        return [self.charset.decode(self.tokens.chars_of(row)) for row in labels]
